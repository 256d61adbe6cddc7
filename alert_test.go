package failedcheckins

import (
	"encoding/json"
	"testing"
)

// TestAlertKey: the key is the JSON object of the GroupBy fields in
// AlertGroupFields order, whatever order the rule lists them in, and
// values that need escaping are escaped.
func TestAlertKey(t *testing.T) {
	cw, reason := int64(100042), "Location\"Not<Allowed>"
	r := &FailedCheckin{CoworkerID: &cw, BusinessID: 7, MacAddresses: "a4-5e", Reason: &reason, Source: SourceDoorAccess}
	got := AlertKey([]Field{FieldSource, FieldReason, FieldCoworkerID, FieldMacAddresses, FieldBusinessID}, r)
	var m map[string]any
	if err := json.Unmarshal([]byte(got), &m); err != nil {
		t.Fatalf("AlertKey = %s: not JSON: %v", got, err)
	}
	if m["CoworkerId"] != float64(100042) || m["MacAddresses"] != "a4-5e" || m["BusinessId"] != float64(7) || m["Reason"] != reason ||
		m["Source"] != float64(SourceDoorAccess) {
		t.Errorf("AlertKey = %s", got)
	}
	if got := AlertKey([]Field{FieldBusinessID, FieldCoworkerID}, &FailedCheckin{BusinessID: 2}); got != `{"CoworkerId":null,"BusinessId":2}` {
		t.Errorf("AlertKey = %s", got)
	}
}
