-- 005_attachments.sql: an attachment's content is kept once, in the raw
-- message it came in. The blobs table held a second, decoded copy of every
-- attachment that nothing read, purged together with the raw message: on a
-- message with a 5 MB attachment it doubled what a delivery wrote and
-- hashed (issue 7). The attachments rows keep the name, type and size.
ALTER TABLE attachments DROP COLUMN blob_sha256;
DROP TABLE blobs;
-- The raw message's hash, for recognising a redelivery, is BLAKE2b-256
-- (libsodium's crypto_generichash, about three times as fast as its
-- SHA-256) from now on. Rows stored before keep their SHA-256: a message
-- stored before the upgrade and delivered again after it is recognised by
-- its sender and Message-ID, not by its bytes.
ALTER TABLE messages RENAME COLUMN raw_sha256 TO raw_hash;
