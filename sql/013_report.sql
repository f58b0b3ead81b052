-- 013_report.sql: "postdesk report" (issue 16, part "report").
-- Business time is measured when it happens: sla_refresh() writes the
-- business seconds (the queue's calendar, wall seconds without one) from
-- created to the first response and from created to the resolution, so the
-- report takes percentiles over columns instead of replaying calendars.
-- A reopened case loses its resolution figure with its resolved_at and gets
-- a new one when it is resolved again.
ALTER TABLE cases ADD COLUMN first_response_business_s bigint,
                  ADD COLUMN resolution_business_s bigint;

-- cases answered or resolved before this migration: wall seconds where the
-- queue has no calendar (exact); left NULL where it has one
UPDATE cases c SET
    first_response_business_s = CASE WHEN c.first_response_at IS NOT NULL
        THEN greatest(0, extract(epoch FROM c.first_response_at - c.created))::bigint END,
    resolution_business_s = CASE WHEN c.resolved_at IS NOT NULL
        THEN greatest(0, extract(epoch FROM c.resolved_at - c.created))::bigint END
    FROM queues q WHERE q.id = c.queue_id AND q.calendar_id IS NULL
    AND (c.first_response_at IS NOT NULL OR c.resolved_at IS NOT NULL);

-- the report's period: cases created in it
CREATE INDEX cases_created ON cases (created);
-- reopen and first escalation steps (a breach each) of the period's cases
CREATE INDEX events_report ON events (case_id)
    WHERE type = 'reopened' OR (type = 'escalated' AND detail LIKE 'level 1:%');
