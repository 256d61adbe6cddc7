package searchparams

import fc "github.com/failedcheckins/failedcheckins"

// AlertRules is the parameter table of the alert rule list
// (GET /api/alerts/rules, docs/api.md#alert-rules): filters, paging and
// sort as search. Never modified after initialisation.
var AlertRules = &Table{
	filters: []param{
		{"Id", fc.FieldID, kindIntList},
		{"AlertRule_Business", fc.FieldBusinessID, kindIntListOrNull},
		{"AlertRule_Name", fc.FieldName, kindText},
		{"AlertRule_Active", fc.FieldActive, kindBool},
	},
	strictPrefixes: []string{"AlertRule_", prefixFrom, prefixTo},
	sortFields:     fc.AlertRuleFields,
	sortAliases:    map[string]fc.Field{"Business": fc.FieldBusinessID},
	defaultOrder:   fc.FieldCreatedOn,
}

// AlertIncidents is the parameter table of the incident list
// (GET /api/alerts/incidents): its rule, status and location, a range on
// OpenedOn, paging and sort as search.
var AlertIncidents = &Table{
	filters: []param{
		{"Id", fc.FieldID, kindIntList},
		{"AlertIncident_Rule", fc.FieldRuleID, kindIntList},
		{"AlertIncident_Status", fc.FieldStatus, kindCodeList},
		{"AlertIncident_Business", fc.FieldBusinessID, kindIntListOrNull},
	},
	ranges: []param{
		{"AlertIncident_OpenedOn", fc.FieldOpenedOn, kindTimeUTC},
	},
	strictPrefixes: []string{"AlertIncident_", prefixFrom, prefixTo},
	sortFields:     fc.AlertIncidentFields,
	sortAliases:    map[string]fc.Field{"Business": fc.FieldBusinessID, "Rule": fc.FieldRuleID},
	defaultOrder:   fc.FieldOpenedOn,
}
