-- 002_sweeper.sql: what the sweeper needs. Every case carries one instant,
-- wake_at, at which the sweeper must next look at it; a trigger keeps it
-- right whatever changed the case, so a pass reads only the cases that are
-- due (one partial index), however large the table grows.

-- Per queue: the second escalation step, customers' reminders and
-- auto-close, the survey, closing resolved cases, retention. NULL: off.
ALTER TABLE queues
    ADD COLUMN escalate_after_s  integer NOT NULL DEFAULT 3600 CHECK (escalate_after_s > 0),
    ADD COLUMN remind_after_s    integer CHECK (remind_after_s > 0),
    ADD COLUMN autoclose_after_s integer CHECK (autoclose_after_s > 0),
    ADD COLUMN survey            boolean NOT NULL DEFAULT true,
    ADD COLUMN close_after_s     integer CHECK (close_after_s > 0),
    ADD COLUMN retention_s       integer CHECK (retention_s > 0);

ALTER TABLE cases
    -- the business time spent paused (pending on the customer, resolved)
    -- and when the current pause began: resolution is due that much later
    ADD COLUMN paused_s          bigint NOT NULL DEFAULT 0,
    ADD COLUMN paused_at         timestamptz,
    ADD COLUMN last_reply_at     timestamptz,   -- the newest answer relayed to the customer
    -- an escalation round: breaches up to escalated_until are dealt with;
    -- escalation_next is when the round's next step is due
    ADD COLUMN escalated_until   timestamptz,
    ADD COLUMN escalation_next   timestamptz,
    ADD COLUMN reminded_at       timestamptz,
    ADD COLUMN survey_sent_at    timestamptz,
    ADD COLUMN rated_at          timestamptz,
    ADD COLUMN purged_at         timestamptz,
    ADD COLUMN wake_at           timestamptz,
    ADD CONSTRAINT cases_rating CHECK (rating BETWEEN 1 AND 5);

-- The per-column due indexes of 001 are replaced by the one the sweeper reads.
DROP INDEX cases_first_due;
DROP INDEX cases_next_due;
DROP INDEX cases_resolution_due;
CREATE INDEX cases_wake ON cases (wake_at) WHERE wake_at IS NOT NULL;

-- When the sweeper must next act on a case of queue q, from the case's state:
--   new, open  the earliest due time not yet escalated (first response
--              while unanswered, next response, resolution), then the
--              round's next step; nothing after the last step
--   pending    the reminder, then the auto-close
--   resolved   the survey, then closing
--   closed     the retention purge
CREATE FUNCTION case_wake(c cases, q queues) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT CASE
    WHEN c.status IN ('new', 'open') THEN
        CASE c.escalation_level
        WHEN 0 THEN (SELECT min(d) FROM unnest(ARRAY[
                         CASE WHEN c.first_response_at IS NULL THEN c.first_response_due END,
                         c.next_response_due, c.resolution_due]) AS d
                     WHERE d > coalesce(c.escalated_until, '-infinity'))
        WHEN 1 THEN c.escalation_next
        END
    WHEN c.status = 'pending' THEN
        CASE WHEN c.reminded_at IS NULL AND q.remind_after_s IS NOT NULL
             THEN c.pending_since + q.remind_after_s * interval '1 second'
             ELSE coalesce(c.reminded_at, c.pending_since) + q.autoclose_after_s * interval '1 second'
        END
    WHEN c.status = 'resolved' THEN
        CASE WHEN c.survey_sent_at IS NULL AND q.survey AND c.customer_id IS NOT NULL
             THEN c.resolved_at
             ELSE c.resolved_at + q.close_after_s * interval '1 second'
        END
    WHEN c.status = 'closed' AND c.purged_at IS NULL THEN
        c.closed_at + q.retention_s * interval '1 second'
    END
$$;

CREATE FUNCTION cases_set_wake() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.wake_at := case_wake(NEW, (SELECT q FROM queues q WHERE q.id = NEW.queue_id));
    RETURN NEW;
END
$$;

CREATE TRIGGER cases_wake BEFORE INSERT OR UPDATE ON cases
    FOR EACH ROW EXECUTE FUNCTION cases_set_wake();

-- A queue's timers changed: its cases wake at new times.
CREATE FUNCTION queues_rewake() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cases SET wake_at = NULL WHERE queue_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER queues_rewake AFTER UPDATE OF escalate_after_s, remind_after_s, autoclose_after_s,
    survey, close_after_s, retention_s ON queues
    FOR EACH ROW EXECUTE FUNCTION queues_rewake();

-- Cases pending before this migration: their pause starts now.
UPDATE cases SET paused_at = coalesce(pending_since, resolved_at, closed_at, now())
    WHERE status IN ('pending', 'resolved', 'closed');
UPDATE cases SET wake_at = NULL;
