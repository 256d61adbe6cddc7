package searchparams

import fc "github.com/failedcheckins/failedcheckins"

// Audit is the parameter table of the audit trail's search, GET /api/audit
// (docs/api.md#the-audit-trail): the rules of every search (paging,
// sorting, case-insensitive names, the same 400s), the prefix Audit_,
// default order On descending (newest first). Audit_Query is an extension
// of PRIVACY.md's list: it finds the requests that asked about someone
// ("FailedCheckin_Coworker=100042"). Never modified after initialisation.
var Audit = &Table{
	filters: []param{
		{"Id", fc.FieldID, kindIntList},
		// Exact emails (case-insensitive), one or a list: a substring
		// would put ana@ and joana@ in one answer.
		{"Audit_User", fc.FieldAuditUserEmail, kindCodeList},
		{"Audit_ClientAddress", fc.FieldAuditClientAddress, kindText},
		{"Audit_Channel", fc.FieldAuditChannel, kindChannelList},
		{"Audit_Method", fc.FieldAuditMethod, kindCodeList},
		{"Audit_Path", fc.FieldAuditPath, kindText},
		{"Audit_Query", fc.FieldAuditQuery, kindText},
		{"Audit_Status", fc.FieldAuditStatus, kindIntList},
	},
	ranges: []param{
		{"Audit_On", fc.FieldAuditOn, kindTimeUTC},
		{"Audit_Id", fc.FieldID, kindInt},
	},
	strictPrefixes: []string{"Audit_", prefixFrom, prefixTo},
	sortFields:     fc.AuditFields,
	defaultOrder:   fc.FieldAuditOn,
}
