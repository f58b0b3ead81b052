-- 003_wake.sql: the wake time computed in the trigger itself, by the rules
-- of 002's case_wake(), which it replaces. Calling that SQL function with
-- the queue's whole row cost about half a millisecond on every write of a
-- case, and more on the first in each connection (measured for issue 7);
-- here an open case reads nothing, a case of the other states one queue row.
CREATE OR REPLACE FUNCTION cases_set_wake() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    q queues%ROWTYPE;
    done timestamptz := coalesce(NEW.escalated_until, '-infinity');
BEGIN
    NEW.wake_at := NULL;
    IF NEW.status IN ('new', 'open') THEN
        -- the earliest due time not yet escalated, then the round's next step
        IF NEW.escalation_level = 0 THEN
            NEW.wake_at := least(
                CASE WHEN NEW.first_response_at IS NULL AND NEW.first_response_due > done
                     THEN NEW.first_response_due END,
                CASE WHEN NEW.next_response_due > done THEN NEW.next_response_due END,
                CASE WHEN NEW.resolution_due > done THEN NEW.resolution_due END);
        ELSIF NEW.escalation_level = 1 THEN
            NEW.wake_at := NEW.escalation_next;
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.status NOT IN ('pending', 'resolved', 'closed') OR (NEW.status = 'closed' AND NEW.purged_at IS NOT NULL) THEN
        RETURN NEW;
    END IF;
    SELECT * INTO q FROM queues WHERE id = NEW.queue_id;
    IF NEW.status = 'pending' THEN
        -- the reminder, then the auto-close
        IF NEW.reminded_at IS NULL AND q.remind_after_s IS NOT NULL THEN
            NEW.wake_at := NEW.pending_since + q.remind_after_s * interval '1 second';
        ELSE
            NEW.wake_at := coalesce(NEW.reminded_at, NEW.pending_since) + q.autoclose_after_s * interval '1 second';
        END IF;
    ELSIF NEW.status = 'resolved' THEN
        -- the survey, then closing
        IF NEW.survey_sent_at IS NULL AND q.survey AND NEW.customer_id IS NOT NULL THEN
            NEW.wake_at := NEW.resolved_at;
        ELSE
            NEW.wake_at := NEW.resolved_at + q.close_after_s * interval '1 second';
        END IF;
    ELSE
        -- closed: the retention purge
        NEW.wake_at := NEW.closed_at + q.retention_s * interval '1 second';
    END IF;
    RETURN NEW;
END
$$;

DROP FUNCTION case_wake(cases, queues);
