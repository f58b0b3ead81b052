-- 004_lz4.sql: mail is compressed with lz4 instead of pglz. PostgreSQL
-- tries to compress every value over 2 KB; on a message with a 5 MB
-- attachment pglz spent about a third of the delivery's time (perf, issue 7)
-- and gains little on base64 or already compressed files; lz4 is several
-- times faster. Rows stored before keep their compression. A PostgreSQL
-- built without lz4 keeps pglz.
DO $$
BEGIN
    ALTER TABLE messages ALTER COLUMN raw SET COMPRESSION lz4,
                         ALTER COLUMN body_text SET COMPRESSION lz4,
                         ALTER COLUMN body_html SET COMPRESSION lz4;
    ALTER TABLE blobs ALTER COLUMN content SET COMPRESSION lz4;
    ALTER TABLE outbox ALTER COLUMN raw SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this PostgreSQL has no lz4: mail stays compressed with pglz';
END
$$;
