-- 008_merge.sql: merging a duplicate case into another (issue 15).
--
-- cases.merged_into: set on a case that was merged away (the SOURCE of
-- "postdesk case merge" or "#merge"); it names the case its mail now goes
-- to. postdesk keeps it pointing at a case that was not merged away itself:
-- merging B into C also points every case merged into B at C, so that a
-- reply to any of their tokens or Message-IDs needs one look-up (deliver
-- still follows at most 16 steps, and a merge that would make a cycle is
-- refused). A merged case is closed and retention purges it as usual.
--
-- outbox_case: the merge moves a case's unsent mail, and the retention
-- purge deletes a case's outbox rows, by case.
ALTER TABLE cases ADD COLUMN merged_into bigint REFERENCES cases (id),
    ADD CONSTRAINT cases_merged_into_other CHECK (merged_into <> id);
CREATE INDEX cases_merged_into ON cases (merged_into) WHERE merged_into IS NOT NULL;
CREATE INDEX outbox_case ON outbox (case_id);
