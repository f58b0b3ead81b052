-- 009_admin.sql: what administrators change after the start (issue 15):
-- queues that take no new cases, and full-text search of the cases.
--
-- queues.active: false after "postdesk queue disable": mail that would
-- open a new case is refused like an unknown recipient; follow-ups of the
-- queue's cases thread and are handled as usual.
ALTER TABLE queues ADD COLUMN active boolean NOT NULL DEFAULT true;

-- Search ("postdesk case list --search"). Mail comes in many languages,
-- often in one helpdesk, and nothing tells reliably which a message is
-- written in. A stemming configuration (english, german, ...) is right
-- for one of them and wrong for the others: it stems Polish or Czech
-- words by English rules and drops English stop words that are words of
-- other languages ("a" is Czech "and", "to" Polish "this"). So: the
-- "simple" dictionary (lower-case, every word kept, no stemming) behind
-- unaccent, so that "zolw" finds "żółw", "Muller" finds "Müller" and
-- "prilis" finds "příliš": people write without diacritics on phones and
-- foreign keyboards. The price: whole words only ("faktura" does not find
-- "faktury"), and words that differ only in diacritics meet.
-- unaccent ships with PostgreSQL (the contrib modules of postgresql-15);
-- it is a trusted extension: the database owner may create it.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TEXT SEARCH CONFIGURATION postdesk_search (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION postdesk_search
    ALTER MAPPING FOR word, hword, hword_part, numword, numhword, hword_numpart
    WITH unaccent, simple;

-- What is searched: the case's subject and the text of the people's mail
-- (customers, agents' answers and notes), not our own automatic mail and
-- notifications, whose fixed words would match every case. A body is
-- indexed up to its first 100000 characters: a tsvector is at most 1 MB,
-- and a longer body of distinct words would make the insert fail.
-- Building these on a large existing messages table takes a while, under
-- a lock that holds delivery back: migrate at a quiet hour.
CREATE INDEX cases_search ON cases USING gin (to_tsvector('postdesk_search', subject));
CREATE INDEX messages_search ON messages USING gin (to_tsvector('postdesk_search', left(body_text, 100000)))
    WHERE kind IN ('customer', 'agent', 'note');
