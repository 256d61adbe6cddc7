-- "Did they get in anyway?" (issue 15 item 3, docs/checkins.md): a
-- refusal is resolved by the first accepted check-in of the same coworker
-- at the same location within 60 minutes after it. The attempt pipeline
-- sets both columns in the transaction that accepts the check-in
-- (sqlstore.resolveSQL); both stay NULL until then, and for every record
-- written before this migration (its history is not guessed afresh: a
-- resolution says what the service saw when it accepted the check-in).
ALTER TABLE failed_checkins ADD COLUMN resolved_by_checkin_id INTEGER;
ALTER TABLE failed_checkins ADD COLUMN resolved_on INTEGER;

-- Every accepted check-in runs the resolution UPDATE, most of them finding
-- nothing. failed_checkins_coworker (coworker_id) alone would visit every
-- refusal of the coworker, at every location and in every year; with this
-- index it is a seek to the coworker's refusals at the location within the
-- hour. It grows with each refusal that has a coworker, one more index
-- entry per insert (docs/benchmarks.md has the measured cost).
-- failed_checkins_coworker stays: its entries end with the rowid, so it
-- serves "ORDER BY coworker_id, id" without a sort, which this one,
-- ordered by location and time within a coworker, cannot.
CREATE INDEX failed_checkins_coworker_business_time ON failed_checkins (coworker_id, business_id, checkin_attempt_time);
