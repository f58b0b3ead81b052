-- 001_init.sql: the first schema of postdesk.
-- Times are timestamptz; durations are whole seconds; addresses are stored
-- lower-case. Every change to a case is an event row (the audit trail).

CREATE TABLE calendars (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    timezone    text NOT NULL,
    created     timestamptz NOT NULL DEFAULT now()
);

-- Weekly business hours: ISO weekday (1 = Monday) and minutes since midnight.
CREATE TABLE calendar_hours (
    calendar_id bigint NOT NULL REFERENCES calendars(id) ON DELETE CASCADE,
    weekday     smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    start_min   integer NOT NULL CHECK (start_min BETWEEN 0 AND 1439),
    end_min     integer NOT NULL CHECK (end_min BETWEEN 1 AND 1440),
    CHECK (start_min < end_min),
    PRIMARY KEY (calendar_id, weekday, start_min)
);

CREATE TABLE calendar_holidays (
    calendar_id bigint NOT NULL REFERENCES calendars(id) ON DELETE CASCADE,
    day         date NOT NULL,
    PRIMARY KEY (calendar_id, day)
);

CREATE TABLE queues (
    id                  bigserial PRIMARY KEY,
    name                text NOT NULL UNIQUE,
    address             text NOT NULL UNIQUE CHECK (address = lower(address)),
    language            text,           -- NULL: the configured default_language
    first_response_s    integer CHECK (first_response_s > 0),
    next_response_s     integer CHECK (next_response_s > 0),
    resolution_s        integer CHECK (resolution_s > 0),
    calendar_id         bigint REFERENCES calendars(id),
    escalate_to         text,
    created             timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE agents (
    id          bigserial PRIMARY KEY,
    email       text NOT NULL UNIQUE CHECK (email = lower(email)),
    name        text NOT NULL,
    active      boolean NOT NULL DEFAULT true,
    created     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE agent_queues (
    agent_id    bigint NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    queue_id    bigint NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
    PRIMARY KEY (agent_id, queue_id)
);

CREATE TABLE customers (
    id          bigserial PRIMARY KEY,
    email       text NOT NULL UNIQUE CHECK (email = lower(email)),
    name        text,
    language    text,
    bounced_at  timestamptz,            -- last hard bounce reported for the address
    bounce_info text,
    created     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cases (
    id                  bigserial PRIMARY KEY,
    queue_id            bigint NOT NULL REFERENCES queues(id),
    customer_id         bigint REFERENCES customers(id),
    status              text NOT NULL DEFAULT 'new'
                        CHECK (status IN ('new', 'open', 'pending', 'resolved', 'closed')),
    priority            text NOT NULL DEFAULT 'normal'
                        CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    subject             text NOT NULL DEFAULT '',
    assignee_id         bigint REFERENCES agents(id),
    quarantined         boolean NOT NULL DEFAULT false,
    linked_case_id      bigint REFERENCES cases(id),
    created             timestamptz NOT NULL DEFAULT now(),
    updated             timestamptz NOT NULL DEFAULT now(),
    first_response_due  timestamptz,
    first_response_at   timestamptz,
    next_response_due   timestamptz,
    resolution_due      timestamptz,
    pending_since       timestamptz,
    resolved_at         timestamptz,
    closed_at           timestamptz,
    escalation_level    integer NOT NULL DEFAULT 0,
    rating              smallint,
    rating_comment      text
);
CREATE INDEX cases_queue_status ON cases (queue_id, status);
CREATE INDEX cases_customer ON cases (customer_id);
-- The sweeper looks only at open cases with a due time: partial indexes keep
-- its cost proportional to due cases, not to the table.
CREATE INDEX cases_first_due ON cases (first_response_due)
    WHERE first_response_due IS NOT NULL AND status IN ('new', 'open');
CREATE INDEX cases_next_due ON cases (next_response_due)
    WHERE next_response_due IS NOT NULL AND status IN ('new', 'open');
CREATE INDEX cases_resolution_due ON cases (resolution_due)
    WHERE resolution_due IS NOT NULL AND status IN ('new', 'open', 'pending');

CREATE TABLE messages (
    id                  bigserial PRIMARY KEY,
    case_id             bigint NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    queue_id            bigint REFERENCES queues(id),   -- the queue it was delivered to
    direction           text NOT NULL CHECK (direction IN ('in', 'out')),
    kind                text NOT NULL
                        CHECK (kind IN ('customer', 'agent', 'note', 'auto', 'system')),
    classification      text NOT NULL DEFAULT 'normal',  -- normal, auto-reply, bounce, list, unparsable, ...
    from_addr           text,
    from_name           text,
    to_addrs            text,
    cc_addrs            text,
    subject             text,
    message_id          text,           -- without angle brackets
    in_reply_to         text,
    references_ids      text[],
    envelope_sender     text,
    envelope_recipient  text,
    mta_queue_id        text,
    raw                 bytea,          -- NULL only after retention purged it
    raw_sha256          bytea,
    body_text           text,           -- decoded, UTF-8
    body_html           text,
    created             timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX messages_case ON messages (case_id, id);
CREATE INDEX messages_message_id ON messages (message_id);
-- Idempotency: the same bytes to the same recipient are stored once.
CREATE UNIQUE INDEX messages_raw_once ON messages (envelope_recipient, raw_sha256)
    WHERE direction = 'in' AND raw_sha256 IS NOT NULL;
-- ... and so is the same Message-ID from the same sender to the same queue.
CREATE UNIQUE INDEX messages_id_once ON messages (queue_id, from_addr, message_id)
    WHERE direction = 'in' AND message_id IS NOT NULL AND from_addr IS NOT NULL;

-- Attachment contents, stored once per distinct content.
CREATE TABLE blobs (
    sha256      bytea PRIMARY KEY,
    size        bigint NOT NULL,
    content     bytea               -- NULL once retention purged it
);

CREATE TABLE attachments (
    id              bigserial PRIMARY KEY,
    message_id      bigint NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    blob_sha256     bytea NOT NULL REFERENCES blobs(sha256),
    filename        text,
    content_type    text NOT NULL,
    size            bigint NOT NULL
);
CREATE INDEX attachments_message ON attachments (message_id);

CREATE TABLE watchers (
    case_id     bigint NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    address     text NOT NULL CHECK (address = lower(address)),
    created     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (case_id, address)
);

CREATE TABLE events (
    id          bigserial PRIMARY KEY,
    case_id     bigint NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    type        text NOT NULL,
    actor       text,               -- address or 'system'
    detail      text,
    created     timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX events_case ON events (case_id, id);

-- Outgoing mail: written in the same transaction as the event that causes it,
-- sent after commit and retried by the sweeper until delivered or failed.
CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    case_id         bigint REFERENCES cases(id) ON DELETE CASCADE,
    kind            text NOT NULL,          -- ack, notify, reply, escalation, ...
    envelope_from   text NOT NULL,          -- '' for the null sender
    recipients      text[] NOT NULL,
    raw             bytea NOT NULL,
    status          text NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt    timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created         timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);
CREATE INDEX outbox_due ON outbox (next_attempt) WHERE status IN ('queued', 'sending');

-- Automatic mail sent per address and day, shared by every process and host.
CREATE TABLE auto_mail_counts (
    address     text NOT NULL,
    day         date NOT NULL,
    count       integer NOT NULL DEFAULT 0,
    PRIMARY KEY (address, day)
);
