-- Settlement (docs/settlement.md): windows, what each window holds, deferred net settlements and their accounts.
--
-- A committed transfer under a deferred model is assigned, in the same mizani_apply call as its commit, to the
-- window that was OPEN when the ledger writer decided the commit (`transfer.window_id`), and added to that window's
-- flow between the payer's and the payee's account (`window_flow`: one row per window and ordered pair of
-- accounts). Closing a window and creating a settlement therefore read aggregates, never the transfers: their cost
-- depends on the number of account pairs, not on the number of transfers (docs/benchmarks.md, settlement).
-- `transfer.window_id` has no index on purpose: a commit's update stays a HOT update; the lists of transfers behind
-- a report read the table.

CREATE TABLE settlement_window (
  id          integer PRIMARY KEY,
  state       text NOT NULL CHECK (state IN ('OPEN', 'PROCESSING', 'CLOSED', 'PENDING_SETTLEMENT', 'SETTLED', 'ABORTED', 'FAILED')),
  reason      text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  changed_at  timestamptz NOT NULL DEFAULT now(),
  closed_at   timestamptz
);
-- Exactly one window is OPEN (settlement.md §6, invariant 1).
CREATE UNIQUE INDEX settlement_window_one_open ON settlement_window ((true)) WHERE state = 'OPEN';
INSERT INTO settlement_window (id, state, reason) VALUES (1, 'OPEN', 'first window');

ALTER TABLE transfer ADD COLUMN window_id integer;

CREATE TABLE window_flow (
  window_id         integer NOT NULL,
  payer_account_id  integer NOT NULL REFERENCES account (id),
  payee_account_id  integer NOT NULL REFERENCES account (id),
  amount            numeric(38, 4) NOT NULL,
  transfers         bigint NOT NULL,
  PRIMARY KEY (window_id, payer_account_id, payee_account_id)
);

-- One row per (window, ledger account type, currency) the window holds, from its close on.
CREATE TABLE settlement_window_content (
  id                   serial PRIMARY KEY,
  window_id            integer NOT NULL REFERENCES settlement_window (id),
  ledger_account_type  text NOT NULL,
  currency             char(3) NOT NULL,
  state                text NOT NULL CHECK (state IN ('CLOSED', 'PENDING_SETTLEMENT', 'SETTLED', 'ABORTED')),
  settlement_id        integer,
  created_at           timestamptz NOT NULL DEFAULT now(),
  changed_at           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (window_id, ledger_account_type, currency)
);

CREATE TABLE settlement (
  id          serial PRIMARY KEY,
  model       text NOT NULL,
  state       text NOT NULL,
  reason      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  changed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE settlement_settlement_window (
  settlement_id  integer NOT NULL REFERENCES settlement (id),
  window_id      integer NOT NULL REFERENCES settlement_window (id),
  PRIMARY KEY (settlement_id, window_id)
);
CREATE INDEX settlement_settlement_window_window ON settlement_settlement_window (window_id);

-- One row per settled account (Mojaloop's settlementParticipantCurrency). net_amount: positive = the participant
-- owes (net sender). transfer_id: the settlement transfer that resets the position (kind SETTLEMENT), from RECORDED.
CREATE TABLE settlement_account (
  settlement_id       integer NOT NULL REFERENCES settlement (id),
  account_id          integer NOT NULL REFERENCES account (id),
  participant_id      integer NOT NULL REFERENCES participant (id),
  currency            char(3) NOT NULL,
  net_amount          numeric(38, 4) NOT NULL,
  gross_sent          numeric(38, 4) NOT NULL,
  gross_received      numeric(38, 4) NOT NULL,
  transfers_sent      bigint NOT NULL,
  transfers_received  bigint NOT NULL,
  state               text NOT NULL,
  reason              text,
  external_reference  text,
  transfer_id         text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  changed_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (settlement_id, account_id)
);

-- Every state an account and a settlement went through, for audit and reports.
CREATE TABLE settlement_state_change (
  id                  bigserial PRIMARY KEY,
  settlement_id       integer NOT NULL REFERENCES settlement (id),
  account_id          integer,
  state               text NOT NULL,
  reason              text,
  external_reference  text,
  created_at          timestamptz NOT NULL DEFAULT now()
);

-- mizani_apply learns the window of a commit, the window flows and the window close in migration 009 (which also
-- carries interchange fees): both migrations came together, so the function is redefined once.

-- Closes the OPEN window `closing` and opens `opening`: the content rows (one per ledger account type and
-- currency of its flows) are written from window_flow. Refuses (the batch rolls back) unless `closing` is the OPEN
-- window and holds something: the hub decided the close on the same facts, so a refusal here is a bug.
CREATE FUNCTION mizani_close_window(closing integer, opening integer, why text) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  n integer;
BEGIN
  UPDATE settlement_window SET state = 'CLOSED', reason = why, changed_at = now(), closed_at = now()
  WHERE id = closing AND state = 'OPEN';
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n <> 1 THEN
    RAISE EXCEPTION 'mizani_apply: window % is not the open window', closing;
  END IF;
  INSERT INTO settlement_window_content (window_id, ledger_account_type, currency, state)
  SELECT DISTINCT closing, a.ledger_account_type, a.currency, 'CLOSED'
  FROM window_flow f JOIN account a ON a.id = f.payer_account_id
  WHERE f.window_id = closing;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n = 0 THEN
    RAISE EXCEPTION 'mizani_apply: window % is empty and cannot be closed', closing;
  END IF;
  INSERT INTO settlement_window (id, state, reason) VALUES (opening, 'OPEN', why);
  RETURN 1;
END $$;
