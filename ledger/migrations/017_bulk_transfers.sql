-- Bulk transfers (docs/bulk.md): the minimum the hub keeps of a bulk besides its transfers. Every line of a bulk is a
-- transfer of its own (table transfer, written by the ledger like any other); these rows say which transfers make the
-- bulk, in which order, and the bulk's own state and hashes (duplicate checks). No line data is stored twice.
CREATE TABLE bulk_transfer (
  id             text PRIMARY KEY,
  bulk_quote_id  text,
  payer          text NOT NULL,
  payee          text NOT NULL,
  expiration     timestamptz NOT NULL,
  -- RECEIVED (recorded, lines being reserved), PROCESSING (sent to the payee), COMPLETED, REJECTED (no line committed)
  state          text NOT NULL,
  line_count     integer NOT NULL,
  prepare_hash   text NOT NULL,
  fulfil_hash    text,
  error_hash     text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  completed_at   timestamptz
);

CREATE TABLE bulk_transfer_line (
  bulk_transfer_id  text NOT NULL REFERENCES bulk_transfer (id),
  line_no           integer NOT NULL,
  transfer_id       text NOT NULL,
  -- Why the line has no transfer of its own: its id was an earlier transfer's (a stored cause, as transfer.cause).
  refusal           text,
  PRIMARY KEY (bulk_transfer_id, line_no)
);

-- A transfer's bulk, for the expiry of a line and for GET /transfers/{ID} of one.
CREATE INDEX bulk_transfer_line_transfer ON bulk_transfer_line (transfer_id);
-- Bulks not final past their expiration, for the expiry sweep (docs/bulk.md, "Expiry").
CREATE INDEX bulk_transfer_open ON bulk_transfer (expiration) WHERE state IN ('RECEIVED', 'PROCESSING');
