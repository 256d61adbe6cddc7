package demo

import fc "github.com/failedcheckins/failedcheckins"

// The tables below are copied from the shared benchmark generator
// (bench/datagen/main.go) so that the demo looks like the data the service
// is measured on. Only the types were renamed.

type city struct {
	name   string
	offset int // minutes east of UTC, fixed (no DST)
}

var cities = []city{
	{"Los Angeles", -480}, {"San Francisco", -480}, {"Vancouver", -480}, {"Seattle", -480},
	{"Denver", -420}, {"Phoenix", -420}, {"Chicago", -360}, {"Austin", -360}, {"Mexico City", -360},
	{"New York", -300}, {"Toronto", -300}, {"Boston", -300}, {"Miami", -300}, {"Bogotá", -300},
	{"Halifax", -240}, {"São Paulo", -180}, {"Buenos Aires", -180},
	{"London", 0}, {"Dublin", 0}, {"Lisbon", 0}, {"Manchester", 0},
	{"Paris", 60}, {"Berlin", 60}, {"Madrid", 60}, {"Amsterdam", 60}, {"Barcelona", 60}, {"Milan", 60},
	{"Stockholm", 60}, {"Warsaw", 60}, {"Vienna", 60}, {"Zürich", 60},
	{"Athens", 120}, {"Helsinki", 120}, {"Cape Town", 120}, {"Istanbul", 180}, {"Nairobi", 180},
	{"Dubai", 240}, {"Karachi", 300}, {"Mumbai", 330}, {"Bangalore", 330}, {"Dhaka", 360},
	{"Bangkok", 420}, {"Jakarta", 420}, {"Singapore", 480}, {"Hong Kong", 480}, {"Manila", 480},
	{"Perth", 480}, {"Tokyo", 540}, {"Seoul", 540}, {"Sydney", 600}, {"Melbourne", 600}, {"Brisbane", 600},
}

var firstNames = []string{
	"James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth",
	"David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
	"Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Sophie", "Mark", "Emily", "Paul", "Emma",
	"Steven", "Olivia", "Andrew", "Amelia", "Joshua", "Isabella", "Kevin", "Mia", "Brian", "Charlotte",
	"George", "Hannah", "Oliver", "Lucy", "Jack", "Chloe", "Harry", "Grace", "Noah", "Ava",
	"Liam", "Zoe", "Lucas", "Laura", "Mateo", "Lucía", "Hugo", "Camille", "Léa", "Louis",
	"Jonas", "Lena", "Felix", "Anna", "Lukas", "Marie", "Luca", "Giulia", "Marco", "Francesca",
	"Diego", "Valentina", "Pablo", "Carmen", "João", "Ana", "Pedro", "Beatriz", "Arjun", "Priya",
	"Rahul", "Ananya", "Wei", "Li", "Hiroshi", "Yuki", "Min-jun", "Seo-yeon", "Ahmed", "Fatima",
	"Omar", "Aisha", "Kwame", "Amara", "Erik", "Ingrid", "Lars", "Freya", "Mateusz", "Zofia",
	"Nikos", "Eleni", "Tomás", "Siobhán", "Connor", "Niamh", "Ethan", "Ella", "Ryan", "Maya",
	"Aaron", "Nora", "Adam", "Leah", "Samuel", "Ruby", "Isaac", "Alice", "Max", "Clara",
}

// Surnames, most common first; picked with weight 1/(rank+15), so Smith is about 3% and the rarest about 0.3%.
var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Taylor", "Wilson", "Anderson", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Lopez",
	"Lee", "Harris", "Clark", "Lewis", "Walker", "Hall", "Young", "King", "Wright", "Scott",
	"Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter", "Phillips",
	"Evans", "Turner", "Parker", "Collins", "Edwards", "Stewart", "Morris", "Murphy", "Cook", "Rogers",
	"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
	"Dubois", "Durand", "Lefebvre", "Moreau", "Laurent", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi",
	"Fernández", "González", "Sánchez", "Pérez", "Gómez", "Silva", "Santos", "Oliveira", "Costa", "Pereira",
	"Kowalski", "Nowak", "Jansen", "de Vries", "Bakker", "Andersson", "Johansson", "Nielsen", "Hansen", "Virtanen",
	"O'Brien", "Kelly", "Byrne", "Papadopoulos", "Yilmaz", "Kaya", "Khan", "Patel", "Sharma", "Singh",
	"Wang", "Zhang", "Chen", "Liu", "Tanaka", "Suzuki", "Sato", "Kim", "Park", "Nguyen",
	"Okafor", "Mensah", "Haddad", "Cohen", "Levi", "Novak", "Horvat", "Popescu", "Ivanov", "Smirnov",
}

var teamPrefixes = []string{
	"Blue", "North", "Bright", "Atlas", "Nimbus", "Cedar", "Harbor", "Summit", "Copper", "Granite",
	"Lumen", "Orbit", "Pioneer", "Quartz", "River", "Silver", "Sparrow", "Tidal", "Vertex", "Willow",
	"Aurora", "Beacon", "Cobalt", "Delta", "Ember",
}

var teamSuffixes = []string{
	"Labs", "Studio", "Digital", "Partners", "Consulting", "Design", "Ventures", "Analytics", "Media", "Legal",
	"Health", "Robotics", "Capital", "Architects", "Games", "Logistics", "Energy", "Foods", "Software", "Collective",
}

type weighted struct {
	name string
	w    float64
}

var tariffs = []weighted{
	{"Hot Desk Monthly", 14}, {"Hot Desk Part-Time", 8}, {"Dedicated Desk", 10}, {"Dedicated Desk Annual", 4},
	{"Private Office 1 Person", 4}, {"Private Office 2 People", 4}, {"Private Office 4 People", 3},
	{"Private Office 8 People", 2}, {"Team Suite 12", 1}, {"Day Pass", 6}, {"5-Day Pass Bundle", 5},
	{"10-Day Pass Bundle", 6}, {"20-Day Pass Bundle", 3}, {"Virtual Office", 3}, {"Virtual Office Plus", 2},
	{"Mailbox Only", 1}, {"Community Membership", 4}, {"Evening & Weekend", 2}, {"Student Hot Desk", 3},
	{"Startup Flex", 3}, {"Corporate Flex", 3}, {"Global Access", 2}, {"Meeting Room Credits", 1},
	{"Resident Membership", 3}, {"Founders Club", 1}, {"Nomad Monthly", 3}, {"Weekend Pass", 1},
	{"Half-Day Pass", 2}, {"Flex 8 Days", 3}, {"Enterprise Seat", 2},
}

// Failure reasons (12). Index 0 is only used for rows without a coworker;
// index 2 ("No active plan") has no tariff.
var reasons = []string{
	"Unrecognised device",                // 0
	"Access restricted to this location", // 1
	"No active plan",                     // 2
	"Plan expired",                       // 3
	"Plan not valid at this location",    // 4
	"Outside allowed hours",              // 5
	"Pass limit reached",                 // 6
	"Account suspended",                  // 7
	"Unpaid invoices",                    // 8
	"Booking required",                   // 9
	"Access card not activated",          // 10
	"Door controller offline",            // 11
}

var homeReasonW = []float64{0, 4, 14, 16, 2, 14, 12, 4, 10, 8, 6, 3}
var visitReasonW = []float64{0, 60, 4, 4, 22, 3, 3, 1, 1, 1, 0.5, 0.5}

// Sources with their shares of rows.
var sources = []struct {
	val fc.Source
	w   float64
}{
	{fc.SourceDoorAccess, 45}, {fc.SourceNetworkActivity, 35}, {fc.SourceTile, 10},
	{fc.SourceManual, 5}, {fc.SourceSensor, 4}, {fc.SourceNone, 1},
}

// Hour-of-day weights, local time of the business.
var hourW = []float64{0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 1, 4, 9, 10, 8, 6, 5, 7, 6, 5, 4, 3, 2, 1.5, 1, 0.6, 0.4, 0.3}
