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
	} {
		if got := RedactPersonal(in); got != want {
			t.Errorf("RedactPersonal(%q) = %q; want %q", in, got, want)
		}
	}
}
