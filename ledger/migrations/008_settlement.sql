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

-- mizani_apply as in 007, and: a state change may carry the window the commit was assigned to (`window_id`); the
-- batch's window flows (`flows`, summed per window and account pair by the hub) are added to window_flow; a window
-- close (`window_close`: the window closing, the one opening, the reason) closes the window after every flow of this
-- batch, so every commit decided before the close is in the closed window and every one after it in the new one.
DROP FUNCTION mizani_apply(jsonb);

CREATE FUNCTION mizani_apply(batch jsonb) RETURNS jsonb LANGUAGE plpgsql
  SET enable_seqscan = off
  SET enable_hashjoin = off
  SET enable_mergejoin = off
AS $$
DECLARE
  writes_ceiling  constant integer := 100000;
  entries_per_write_max constant integer := 4;
  inserts_in      jsonb := coalesce(batch -> 'inserts', '[]'::jsonb);
  updates_in      jsonb := coalesce(batch -> 'updates', '[]'::jsonb);
  entries_in      jsonb := coalesce(batch -> 'entries', '[]'::jsonb);
  quote_ins_in    jsonb := coalesce(batch -> 'quote_inserts', '[]'::jsonb);
  quote_upd_in    jsonb := coalesce(batch -> 'quote_updates', '[]'::jsonb);
  flows_in        jsonb := batch -> 'flows';
  close_in        jsonb := batch -> 'window_close';
  writes_max      integer := least(coalesce((batch ->> 'writes_max')::integer, writes_ceiling), writes_ceiling);
  writes          integer;
  report_values   boolean := coalesce((batch ->> 'report_values')::boolean, false);
  conflicts       text[];
  quote_conflicts text[];
  changed         integer;
  expected        integer;
  quotes_changed  integer;
  journal_rows    bigint;
  unbalanced      text;
  balances        jsonb;
  closed          integer := 0;
BEGIN
  writes := coalesce((batch ->> 'writes')::integer, greatest(
    jsonb_array_length(inserts_in), jsonb_array_length(updates_in), jsonb_array_length(quote_ins_in),
    jsonb_array_length(quote_upd_in), (jsonb_array_length(entries_in) + entries_per_write_max - 1) / entries_per_write_max));
  IF writes > writes_max THEN
    RAISE EXCEPTION 'mizani_apply: a batch of % writes exceeds the maximum of %', writes, writes_max;
  END IF;
  IF greatest(jsonb_array_length(inserts_in), jsonb_array_length(updates_in), jsonb_array_length(quote_ins_in),
              jsonb_array_length(quote_upd_in), jsonb_array_length(coalesce(flows_in, '[]'::jsonb))) > writes
     OR jsonb_array_length(entries_in) > writes * entries_per_write_max THEN
    RAISE EXCEPTION 'mizani_apply: a batch of % writes carries % transfer inserts, % state changes, % quote inserts, % quote changes, % window flows and % journal entries (at most one of each and % entries per write)',
      writes, jsonb_array_length(inserts_in), jsonb_array_length(updates_in), jsonb_array_length(quote_ins_in),
      jsonb_array_length(quote_upd_in), jsonb_array_length(coalesce(flows_in, '[]'::jsonb)), jsonb_array_length(entries_in), entries_per_write_max;
  END IF;

  WITH incoming AS (
    SELECT * FROM jsonb_to_recordset(inserts_in) AS x(
      id text, kind text, payer text, payee text, currency text, amount numeric, condition text,
      expiration timestamptz, state text, prepare_hash text, cause text, reference text,
      created_at timestamptz, completed_at timestamptz)
  ), inserted AS (
    INSERT INTO transfer (id, kind, payer, payee, currency, amount, condition, expiration, state,
                          prepare_hash, cause, reference, created_at, completed_at)
    SELECT id, kind, payer, payee, currency, amount, condition, expiration, state,
           prepare_hash, cause, reference, coalesce(created_at, now()), completed_at
    FROM incoming
    ON CONFLICT (id) DO NOTHING
    RETURNING id
  )
  SELECT coalesce(array_agg(i.id), '{}') INTO conflicts
  FROM incoming i WHERE i.id NOT IN (SELECT id FROM inserted);

  UPDATE transfer t SET
    state = u.state,
    fulfil_hash = coalesce(u.fulfil_hash, t.fulfil_hash),
    error_hash = coalesce(u.error_hash, t.error_hash),
    fulfilment = coalesce(u.fulfilment, t.fulfilment),
    cause = coalesce(u.cause, t.cause),
    completed_at = coalesce(u.completed_at, t.completed_at),
    window_id = coalesce(u.window_id, t.window_id)
  FROM jsonb_to_recordset(updates_in) AS u(
    id text, from_state text, state text, fulfil_hash text, error_hash text, fulfilment text,
    cause text, completed_at timestamptz, window_id integer)
  WHERE t.id = u.id AND t.state = u.from_state;
  GET DIAGNOSTICS changed = ROW_COUNT;
  expected := jsonb_array_length(updates_in);
  IF changed <> expected THEN
    RAISE EXCEPTION 'mizani_apply: % of % transfer state changes did not find their expected state',
      expected - changed, expected;
  END IF;

  WITH entries AS (
    SELECT * FROM jsonb_to_recordset(entries_in) AS e(
      transfer_id text, account_id integer, amount numeric, event text, with_insert boolean)
  ), journal AS (
    INSERT INTO journal_entry (transfer_id, account_id, amount, event)
    SELECT transfer_id, account_id, amount, event FROM entries
    WHERE NOT (coalesce(with_insert, false) AND transfer_id = ANY (conflicts))
    RETURNING account_id, amount
  ), moved AS (
    UPDATE account a SET value = a.value + d.delta, changed_at = now()
    FROM (SELECT account_id, sum(amount) AS delta, count(*) AS n FROM journal GROUP BY account_id) d
    WHERE a.id = d.account_id
    RETURNING a.id, a.currency, a.value, d.delta, d.n
  )
  SELECT coalesce(sum(m.n), 0),
         (SELECT string_agg(c.currency || ' ' || c.total, ', ')
            FROM (SELECT currency, sum(delta) AS total FROM moved GROUP BY currency HAVING sum(delta) <> 0) c),
         jsonb_object_agg(m.id::text, m.value::text) FILTER (WHERE report_values)
    INTO journal_rows, unbalanced, balances
  FROM moved m;
  IF unbalanced IS NOT NULL THEN
    RAISE EXCEPTION 'mizani_apply: the journal entries of the batch do not sum to zero per currency (%)', unbalanced;
  END IF;

  IF flows_in IS NOT NULL THEN
    INSERT INTO window_flow AS f (window_id, payer_account_id, payee_account_id, amount, transfers)
    SELECT window_id, payer_account_id, payee_account_id, amount, transfers
    FROM jsonb_to_recordset(flows_in) AS x(window_id integer, payer_account_id integer, payee_account_id integer, amount numeric, transfers bigint)
    ON CONFLICT (window_id, payer_account_id, payee_account_id)
    DO UPDATE SET amount = f.amount + excluded.amount, transfers = f.transfers + excluded.transfers;
  END IF;

  IF close_in IS NOT NULL THEN
    closed := mizani_close_window((close_in ->> 'closing')::integer, (close_in ->> 'opening')::integer, close_in ->> 'reason');
  END IF;

  WITH incoming AS (
    SELECT * FROM jsonb_to_recordset(quote_ins_in) AS q(
      id text, payer text, payee text, currency text, amount numeric, expiration timestamptz,
      state text, request_hash text, created_at timestamptz)
  ), inserted AS (
    INSERT INTO quote (id, payer, payee, currency, amount, expiration, state, request_hash, created_at)
    SELECT id, payer, payee, currency, amount, expiration, state, request_hash, coalesce(created_at, now())
    FROM incoming
    ON CONFLICT (id) DO NOTHING
    RETURNING id
  )
  SELECT coalesce(array_agg('quote:' || i.id), '{}') INTO quote_conflicts
  FROM incoming i WHERE i.id NOT IN (SELECT id FROM inserted);

  UPDATE quote q SET
    state = u.state,
    response_hash = coalesce(u.response_hash, q.response_hash),
    error_code = coalesce(u.error_code, q.error_code),
    response_expiration = coalesce(u.response_expiration, q.response_expiration),
    changed_at = now()
  FROM jsonb_to_recordset(quote_upd_in) AS u(
    id text, state text, response_hash text, error_code text, response_expiration timestamptz)
  WHERE q.id = u.id;
  GET DIAGNOSTICS quotes_changed = ROW_COUNT;

  RETURN jsonb_build_object(
    'conflicts', to_jsonb(conflicts || quote_conflicts),
    'inserted', jsonb_array_length(inserts_in) - cardinality(conflicts),
    'updated', changed,
    'journal', journal_rows,
    'quotes_inserted', jsonb_array_length(quote_ins_in) - cardinality(quote_conflicts),
    'quotes_updated', quotes_changed,
    'windows_closed', closed,
    'balances', balances);
END $$;

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
