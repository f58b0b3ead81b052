-- 011_intake.sql: what intake learns of a message before anyone answers it
-- (issue 15, part intake).
--
-- cases.spam: the MTA's spam filter marked the mail that opened the case
-- (spam_headers). Such a case gets no acknowledgment, no notification and
-- no due times; "postdesk case status N open" or an agent's #notspam makes
-- it a normal case, and the acknowledgment goes out then, once.
--
-- customers.utc_offset: the UTC offset, in minutes, of the Date field of
-- the customer's last mail (mail clients write their local time), NULL
-- when unknown ("-0000" says so). The acknowledgment states its due time
-- in it: in the queue calendar's zone when that zone has the same offset
-- now, else at the fixed offset.
ALTER TABLE cases ADD COLUMN spam boolean NOT NULL DEFAULT false;
ALTER TABLE customers ADD COLUMN utc_offset integer
    CHECK (utc_offset BETWEEN -720 AND 840);
