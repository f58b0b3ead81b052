-- 012_digest.sql: the queue by mail (issue 15, part "digest"). Each agent
-- has a signed address (token role "g" over the agent id); mail from the
-- agent to it is answered with their digest and may carry command lines
-- naming cases. The sweeper sends a daily digest in the hour digest_hour,
-- local time of the agent's first queue's calendar.
--
-- digest_sent: one row per agent and local day whose daily digest was
-- dealt with, claimed with INSERT ... ON CONFLICT DO NOTHING in the
-- transaction that queues the mail, so that two sweepers never send it
-- twice. cases: how many cases it listed (0: empty, nothing sent).
CREATE TABLE digest_sent (
    agent_id bigint NOT NULL REFERENCES agents ON DELETE CASCADE,
    day date NOT NULL,
    cases integer NOT NULL DEFAULT 0,
    created timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agent_id, day)
);

-- digest_requests: the mail to agents' digest addresses, as a record and
-- for idempotency (the same bytes to the same address, or the same
-- Message-ID of a trusted agent, act once). Not a case's message: the
-- bytes are not kept. outcome: "answered" or why it was ignored.
-- agent_id: the token's, which need not be an agent (any longer).
CREATE TABLE digest_requests (
    id bigserial PRIMARY KEY,
    agent_id bigint NOT NULL,
    recipient text NOT NULL,
    raw_hash bytea NOT NULL,
    from_addr text,
    message_id text,
    trusted boolean NOT NULL,
    outcome text NOT NULL,
    created timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX digest_requests_raw_once ON digest_requests (recipient, raw_hash);
CREATE UNIQUE INDEX digest_requests_id_once ON digest_requests (agent_id, message_id)
    WHERE trusted AND message_id IS NOT NULL;
CREATE INDEX digest_requests_created ON digest_requests (created);

-- what a digest lists: an agent's open cases, a queue's unassigned ones
CREATE INDEX cases_open_assignee ON cases (assignee_id)
    WHERE status IN ('new', 'open', 'pending');
CREATE INDEX cases_open_unassigned ON cases (queue_id)
    WHERE assignee_id IS NULL AND status IN ('new', 'open', 'pending');
