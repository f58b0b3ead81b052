-- 010_people.sql: a customer with several addresses (issue 15, "people").
--
-- customer_aliases: mail from address is the customer's: it threads by the
-- subject tag and by References as the customer's own mail does (they take
-- part in the customer's cases), its survey answers count, and a new case
-- it opens belongs to that customer. An address is the alias of one
-- customer at most; "postdesk customer alias" refuses agents' and queues'
-- addresses and an address that is another customer with cases.
CREATE TABLE customer_aliases (
    address     text PRIMARY KEY CHECK (address = postdesk_ascii_lower(address)),
    customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    created     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_aliases_customer ON customer_aliases (customer_id);
