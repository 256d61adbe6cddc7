package searchparams

import fc "github.com/failedcheckins/failedcheckins"

// FailedCheckins is the parameter table of the FailedCheckin search
// (docs/api.md#search). It is never modified after initialisation.
var FailedCheckins = &Table{
	filters: []param{
		{"Id", fc.FieldID, kindIntList},
		{"UniqueId", fc.FieldUniqueID, kindGUID},
		{"FailedCheckin_Coworker", fc.FieldCoworkerID, kindIntListOrNull},
		{"FailedCheckin_Coworker_FullName", fc.FieldCoworkerFullName, kindText},
		{"FailedCheckin_Business", fc.FieldBusinessID, kindIntList},
		{"FailedCheckin_Business_Name", fc.FieldBusinessName, kindText},
		{"FailedCheckin_CheckinAttemptTime", fc.FieldCheckinAttemptTime, kindTimeUTC},
		{"FailedCheckin_Source", fc.FieldSource, kindSourceList},
		{"FailedCheckin_MacAddresses", fc.FieldMacAddresses, kindText},
		{"FailedCheckin_TeamsAtTheTimeOfCheckin", fc.FieldTeams, kindText},
		{"FailedCheckin_TariffAtTheTimeOfCheckin", fc.FieldTariff, kindText},
		{"FailedCheckin_Description", fc.FieldDescription, kindText},
		{"FailedCheckin_CheckinAttemptTimeLocal", fc.FieldCheckinAttemptTimeLocal, kindTimeLocal},
		{"FailedCheckin_UpdatedBy", fc.FieldUpdatedBy, kindText},
		{"FailedCheckin_SystemId", fc.FieldSystemID, kindExact},
		{"FailedCheckin_Reason", fc.FieldReason, kindCodeList},
		{"FailedCheckin_Resolved", fc.FieldResolvedByCheckinID, kindSet},
	},
	ranges: []param{
		{"FailedCheckin_CheckinAttemptTime", fc.FieldCheckinAttemptTime, kindTimeUTC},
		{"FailedCheckin_CheckinAttemptTimeLocal", fc.FieldCheckinAttemptTimeLocal, kindTimeLocal},
		{"FailedCheckin_CreatedOn", fc.FieldCreatedOn, kindTimeUTC},
		{"FailedCheckin_UpdatedOn", fc.FieldUpdatedOn, kindTimeUTC},
		{"FailedCheckin_Id", fc.FieldID, kindInt},
	},
	strictPrefixes: []string{"FailedCheckin_", prefixFrom, prefixTo},
	sortFields:     fc.FailedCheckinFields,
	sortAliases:    map[string]fc.Field{"Coworker": fc.FieldCoworkerID, "Business": fc.FieldBusinessID},
	defaultOrder:   fc.FieldCreatedOn,
}
