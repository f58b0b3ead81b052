-- 006_content.sql: two things hostile-but-ordinary mail showed (issue 13).
--
-- Addresses: postdesk folds them in one place (address_fold() in C: every
-- letter lower-case by the simple Unicode mapping, the same in every
-- locale). The old checks compared with lower(), which folds by the
-- database's locale: in a C-locale database it leaves Ö as it is, in a
-- UTF-8 one it folds it, so a From of ÖSTER@example.de failed the check
-- and the mail was deferred for ever. The checks now look at ASCII letters
-- only, which any folded address meets in any locale.
CREATE FUNCTION postdesk_ascii_lower(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT translate($1, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') $$;
ALTER TABLE queues DROP CONSTRAINT queues_address_check,
    ADD CONSTRAINT queues_address_check CHECK (address = postdesk_ascii_lower(address));
ALTER TABLE agents DROP CONSTRAINT agents_email_check,
    ADD CONSTRAINT agents_email_check CHECK (email = postdesk_ascii_lower(email));
ALTER TABLE customers DROP CONSTRAINT customers_email_check,
    ADD CONSTRAINT customers_email_check CHECK (email = postdesk_ascii_lower(email));
ALTER TABLE watchers DROP CONSTRAINT watchers_address_check,
    ADD CONSTRAINT watchers_address_check CHECK (address = postdesk_ascii_lower(address));

-- Duplicates: the same sender and Message-ID counted as a duplicate
-- whatever the content, so whoever predicted a Message-ID could suppress a
-- customer's mail. A duplicate is now the same content: body_hash is the
-- BLAKE2b-256 of the body (the bytes after the header block, so that the
-- same mail come by two routes with other Received lines is still one).
-- Rows stored before have none and count as the same content.
ALTER TABLE messages ADD COLUMN body_hash bytea;
DROP INDEX messages_id_once;
CREATE UNIQUE INDEX messages_id_once ON messages (queue_id, from_addr, message_id, coalesce(body_hash, '\x'::bytea))
    WHERE direction = 'in' AND message_id IS NOT NULL AND from_addr IS NOT NULL;
