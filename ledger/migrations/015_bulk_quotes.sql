-- Bulk quotes (FSPIOP POST /bulkQuotes, docs/bulk.md): the minimum the hub keeps of each bulk and of each of its
-- individual quotes, written before the payer is answered 202. No party data and no ILP packet from a payee: ids,
-- participants, amounts, hashes, expiries, states, and per line what a later bulk transfer is tied to (the amount
-- agreed and the condition). Only the terms the hub itself issued for a bank payee are kept whole (`hub_answer`),
-- so a GET or a resend can be answered with the very same terms.

CREATE TABLE bulk_quote (
  id                   text PRIMARY KEY,
  payer                text NOT NULL,
  payee                text NOT NULL,
  -- RECEIVED, then ANSWERED (the payee's terms), ERROR (the payee's error), REJECTED (the hub refused the bulk or
  -- the payee's answer: error_code says why) or EXPIRED (the payee's terms came expired).
  state                text NOT NULL,
  line_count           integer NOT NULL CHECK (line_count BETWEEN 1 AND 1000),
  expiration           timestamptz,
  request_hash         text NOT NULL,
  response_hash        text,
  response_expiration  timestamptz,
  -- A domain outcome (the hub refused) or the FSPIOP code the payee gave.
  error_code           text,
  hub_answer           jsonb,
  created_at           timestamptz NOT NULL DEFAULT now(),
  changed_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE bulk_quote_line (
  bulk_quote_id    text NOT NULL REFERENCES bulk_quote (id),
  -- 0-based position in individualQuotes.
  line             integer NOT NULL,
  quote_id         text NOT NULL,
  transaction_id   text NOT NULL,
  currency         char(3) NOT NULL,
  -- The amount asked for; NULL when the ledger cannot hold it exactly (the bulk is then refused).
  amount           numeric(38, 4),
  -- The payee's answer for this line: the amount to transfer and the condition, or its error code.
  transfer_amount  numeric(38, 4),
  transfer_currency char(3),
  condition        text,
  error_code       text,
  PRIMARY KEY (bulk_quote_id, line)
);

-- A bulk transfer names its bulk quote; its individual transfers are tied to the lines by condition (and the quote id
-- inside each ILP packet): the primary key's prefix reads a bulk's lines in order.
