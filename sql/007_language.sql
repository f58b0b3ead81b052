-- 007_language.sql: the language of a case and what a customer's is known
-- from (issue 14). Most webmail sends no Content-Language, so postdesk
-- also guesses the language from the customer's text (libexttextcat).
--
-- cases.language: the language of the case's first customer mail that
-- showed one (its Content-Language or Accept-Language, else a confident
-- guess from its text); NULL: the customer's, else the queue's, else
-- default_language. It is what the case's mail is written in.
--
-- customers.language_source: where customers.language came from. A
-- header's language replaces whatever was known; a guess replaces only a
-- guess (or nothing), never what the customer's own mail client said.
-- Languages stored before came from headers only.
ALTER TABLE cases ADD COLUMN language text;
ALTER TABLE customers ADD COLUMN language_source text
    CHECK (language_source IN ('header', 'guess'));
UPDATE customers SET language_source = 'header' WHERE language IS NOT NULL;
