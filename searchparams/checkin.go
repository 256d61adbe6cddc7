package searchparams

import fc "github.com/failedcheckins/failedcheckins"

// Checkins is the parameter table of the Checkin search
// (docs/api.md#searching-check-ins): the rules of docs/api.md#search, the prefix Checkin_,
// default order FromTime descending. Never modified after initialisation.
var Checkins = &Table{
	filters: []param{
		{"Id", fc.FieldID, kindIntList},
		{"UniqueId", fc.FieldUniqueID, kindGUID},
		{"Checkin_Coworker", fc.FieldCoworkerID, kindIntList},
		{"Checkin_Coworker_FullName", fc.FieldCoworkerFullName, kindText},
		{"Checkin_Business", fc.FieldBusinessID, kindIntList},
		{"Checkin_Business_Name", fc.FieldBusinessName, kindText},
		{"Checkin_Source", fc.FieldSource, kindSourceList},
		{"Checkin_FromTime", fc.FieldFromTime, kindTimeUTC},
		{"Checkin_ToTime", fc.FieldToTime, kindTimeUTC},
		{"Checkin_FromTimeLocal", fc.FieldFromTimeLocal, kindTimeLocal},
		{"Checkin_ToTimeLocal", fc.FieldToTimeLocal, kindTimeLocal},
		{"Checkin_MacAddresses", fc.FieldMacAddresses, kindText},
		{"Checkin_TeamsAtTheTimeOfCheckin", fc.FieldTeams, kindText},
		{"Checkin_TariffAtTheTimeOfCheckin", fc.FieldTariff, kindText},
		{"Checkin_UpdatedBy", fc.FieldUpdatedBy, kindText},
		{"Checkin_SystemId", fc.FieldSystemID, kindExact},
	},
	ranges: []param{
		{"Checkin_FromTime", fc.FieldFromTime, kindTimeUTC},
		{"Checkin_ToTime", fc.FieldToTime, kindTimeUTC},
		{"Checkin_FromTimeLocal", fc.FieldFromTimeLocal, kindTimeLocal},
		{"Checkin_ToTimeLocal", fc.FieldToTimeLocal, kindTimeLocal},
		{"Checkin_CreatedOn", fc.FieldCreatedOn, kindTimeUTC},
		{"Checkin_UpdatedOn", fc.FieldUpdatedOn, kindTimeUTC},
		{"Checkin_Id", fc.FieldID, kindInt},
	},
	strictPrefixes: []string{"Checkin_", prefixFrom, prefixTo},
	sortFields:     fc.CheckinFields,
	sortAliases:    map[string]fc.Field{"Coworker": fc.FieldCoworkerID, "Business": fc.FieldBusinessID},
	defaultOrder:   fc.FieldFromTime,
}
