package demo

// zones maps each city of the cities table to its IANA time zone, so the
// demo directory's locations follow real daylight-saving rules (the
// cities table keeps the fixed offsets the plain record generator uses).
var zones = map[string]string{
	"Los Angeles": "America/Los_Angeles", "San Francisco": "America/Los_Angeles", "Vancouver": "America/Vancouver",
	"Seattle": "America/Los_Angeles", "Denver": "America/Denver", "Phoenix": "America/Phoenix",
	"Chicago": "America/Chicago", "Austin": "America/Chicago", "Mexico City": "America/Mexico_City",
	"New York": "America/New_York", "Toronto": "America/Toronto", "Boston": "America/New_York",
	"Miami": "America/New_York", "Bogotá": "America/Bogota", "Halifax": "America/Halifax",
	"São Paulo": "America/Sao_Paulo", "Buenos Aires": "America/Argentina/Buenos_Aires",
	"London": "Europe/London", "Dublin": "Europe/Dublin", "Lisbon": "Europe/Lisbon", "Manchester": "Europe/London",
	"Paris": "Europe/Paris", "Berlin": "Europe/Berlin", "Madrid": "Europe/Madrid", "Amsterdam": "Europe/Amsterdam",
	"Barcelona": "Europe/Madrid", "Milan": "Europe/Rome", "Stockholm": "Europe/Stockholm", "Warsaw": "Europe/Warsaw",
	"Vienna": "Europe/Vienna", "Zürich": "Europe/Zurich", "Athens": "Europe/Athens", "Helsinki": "Europe/Helsinki",
	"Cape Town": "Africa/Johannesburg", "Istanbul": "Europe/Istanbul", "Nairobi": "Africa/Nairobi",
	"Dubai": "Asia/Dubai", "Karachi": "Asia/Karachi", "Mumbai": "Asia/Kolkata", "Bangalore": "Asia/Kolkata",
	"Dhaka": "Asia/Dhaka", "Bangkok": "Asia/Bangkok", "Jakarta": "Asia/Jakarta", "Singapore": "Asia/Singapore",
	"Hong Kong": "Asia/Hong_Kong", "Manila": "Asia/Manila", "Perth": "Australia/Perth", "Tokyo": "Asia/Tokyo",
	"Seoul": "Asia/Seoul", "Sydney": "Australia/Sydney", "Melbourne": "Australia/Melbourne", "Brisbane": "Australia/Brisbane",
}

// region groups cities for regional plans: 0 the Americas, 1 Europe,
// Africa and the Middle East, 2 Asia-Pacific.
func region(offset int) int {
	switch {
	case offset <= -180:
		return 0
	case offset <= 240:
		return 1
	}
	return 2
}

var regionNames = []string{"Americas", "EMEA", "Asia-Pacific"}
