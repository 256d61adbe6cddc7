package searchparams

import "testing"

// TestRedactPersonal: the values of personal parameters (any case, either
// search's names, encoded or not) become ***; every other pair is kept as
// sent, in order; a pair whose name cannot be decoded is redacted.
func TestRedactPersonal(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "",
		"FailedCheckin_Source=2": "FailedCheckin_Source=2",
		"FailedCheckin_Coworker_FullName=Ana%20Silva&FailedCheckin_Source=2":                                         "FailedCheckin_Coworker_FullName=***&FailedCheckin_Source=2",
		"failedcheckin_macaddresses=a4:5e&orderBy=Id":                                                                "failedcheckin_macaddresses=***&orderBy=Id",
		"FailedCheckin_TeamsAtTheTimeOfCheckin=Orbit":                                                                "FailedCheckin_TeamsAtTheTimeOfCheckin=***",
		"Checkin_Coworker_FullName=Bob&Checkin_MacAddresses=aa&Checkin_TeamsAtTheTimeOfCheckin=x&Checkin_Coworker=7": "Checkin_Coworker_FullName=***&Checkin_MacAddresses=***&Checkin_TeamsAtTheTimeOfCheckin=***&Checkin_Coworker=7",
		"FailedCheckin%5FCoworker%5FFullName=Ana":                                                                    "FailedCheckin%5FCoworker%5FFullName=***",
		"FailedCheckin_Coworker_FullName=&page=2":                                                                    "FailedCheckin_Coworker_FullName=&page=2",
		"%zz=Ana&FailedCheckin_Coworker=100001":                                                                      "%zz=***&FailedCheckin_Coworker=100001",
		"FailedCheckin_Business_Name=London&size=5":                                                                  "FailedCheckin_Business_Name=London&size=5",
		// Query strings inside a value: the console's back link, the CLI's filter.
		"back=FailedCheckin_Coworker_FullName%3DAna%26size%3D5":               "back=FailedCheckin_Coworker_FullName%3D%2A%2A%2A%26size%3D5",
		"filter=FailedCheckin_MacAddresses%3Da4%3A5e&name=x":                  "filter=FailedCheckin_MacAddresses%3D%2A%2A%2A&name=x",
		"back=FailedCheckin_Source%3D2":                                       "back=FailedCheckin_Source%3D2",
		"a=b%3Dc%2526d%253De%252526FailedCheckin_Coworker_FullName%25253DAna": "a=b%3Dc%2526d%253De%252526FailedCheckin_Coworker_FullName%25253D%25252A%25252A%25252A",
	} {
		if got := RedactPersonal(in); got != want {
			t.Errorf("RedactPersonal(%q) = %q; want %q", in, got, want)
		}
	}
}
