-- Position owners and conversions (issue 15: FX, docs/fx.md; inter-scheme proxies, docs/interscheme.md).
--
-- A transfer reserves on its payer's POSITION and credits its payee's, unless another participant holds that position:
-- the FXP whose target-currency position carries a transfer that depends on a conversion, or the proxy that stands for
-- a party of another scheme. `debtor` / `creditor` name that participant; NULL means the payer / payee themselves, so
-- every transfer before this migration reads as it did.
ALTER TABLE transfer
  ADD COLUMN debtor text,
  ADD COLUMN creditor text,
  -- A conversion (kind FX_TRANSFER, FSPIOP fxTransfer): the transfer it is for, and its target leg. Its own
  -- currency and amount are the source leg, reserved on the initiating FSP's position and credited to the FXP's.
  ADD COLUMN determining_transfer_id text,
  ADD COLUMN target_currency char(3),
  ADD COLUMN target_amount numeric(38, 4) CHECK (target_amount >= 0);

CREATE INDEX transfer_determining ON transfer (determining_transfer_id) WHERE determining_transfer_id IS NOT NULL;
-- Reloaded as in flight beside RESERVED: a conversion fulfilled by its FXP that waits for its dependent transfer, and a
-- transfer forwarded to a proxy.
CREATE INDEX transfer_waiting ON transfer (id) WHERE state IN ('RECEIVED_FULFIL_DEPENDENT', 'RESERVED_FORWARDED');

-- mizani_apply as migration 014 left it, carrying the columns above, and up to two state changes, eight journal
-- entries and three window flows per write: a dependent transfer and its conversion commit or abort in one write.
CREATE OR REPLACE FUNCTION mizani_apply(batch jsonb) RETURNS jsonb LANGUAGE plpgsql
  SET enable_seqscan = off
  SET enable_hashjoin = off
  SET enable_mergejoin = off
AS $$
DECLARE
  writes_ceiling  constant integer := 100000;
  entries_per_write_max constant integer := 8;
  flows_per_write_max   constant integer := 3;
  updates_per_write_max constant integer := 2;
  inserts_in      jsonb := coalesce(batch -> 'inserts', '[]'::jsonb);
  updates_in      jsonb := coalesce(batch -> 'updates', '[]'::jsonb);
  entries_in      jsonb := coalesce(batch -> 'entries', '[]'::jsonb);
  quote_ins_in    jsonb := coalesce(batch -> 'quote_inserts', '[]'::jsonb);
  quote_upd_in    jsonb := coalesce(batch -> 'quote_updates', '[]'::jsonb);
  request_ins_in  jsonb := coalesce(batch -> 'request_inserts', '[]'::jsonb);
  request_upd_in  jsonb := coalesce(batch -> 'request_updates', '[]'::jsonb);
  flows_in        jsonb := batch -> 'flows';
  close_in        jsonb := batch -> 'window_close';
  writes_max      integer := least(coalesce((batch ->> 'writes_max')::integer, writes_ceiling), writes_ceiling);
  writes          integer;
  report_values   boolean := coalesce((batch ->> 'report_values')::boolean, false);
  report_versions boolean := coalesce((batch ->> 'report_versions')::boolean, false);
  versions        jsonb;
  conflicts       text[];
  quote_conflicts text[];
  request_conflicts text[];
  requests_changed integer;
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
    jsonb_array_length(quote_upd_in), jsonb_array_length(request_ins_in), jsonb_array_length(request_upd_in),
    (jsonb_array_length(entries_in) + entries_per_write_max - 1) / entries_per_write_max));
  IF writes > writes_max THEN
    RAISE EXCEPTION 'mizani_apply: a batch of % writes exceeds the maximum of %', writes, writes_max;
  END IF;
  IF greatest(jsonb_array_length(inserts_in), jsonb_array_length(quote_ins_in),
              jsonb_array_length(quote_upd_in), jsonb_array_length(request_ins_in), jsonb_array_length(request_upd_in)) > writes
     OR jsonb_array_length(updates_in) > writes * updates_per_write_max
     OR jsonb_array_length(coalesce(flows_in, '[]'::jsonb)) > writes * flows_per_write_max
     OR jsonb_array_length(entries_in) > writes * entries_per_write_max THEN
    RAISE EXCEPTION 'mizani_apply: a batch of % writes carries % transfer inserts, % state changes, % quote inserts, % quote changes, % transaction request inserts, % transaction request changes, % window flows and % journal entries (at most one of each but % state changes, % flows and % entries per write)',
      writes, jsonb_array_length(inserts_in), jsonb_array_length(updates_in), jsonb_array_length(quote_ins_in),
      jsonb_array_length(quote_upd_in), jsonb_array_length(request_ins_in), jsonb_array_length(request_upd_in),
      jsonb_array_length(coalesce(flows_in, '[]'::jsonb)), jsonb_array_length(entries_in),
      updates_per_write_max, flows_per_write_max, entries_per_write_max;
  END IF;

  WITH incoming AS (
    SELECT * FROM jsonb_to_recordset(inserts_in) AS x(
      id text, kind text, payer text, payee text, currency text, amount numeric, condition text,
      expiration timestamptz, state text, prepare_hash text, cause text, reference text,
      created_at timestamptz, completed_at timestamptz,
      fee_rule_id integer, fee_amount numeric, fee_from_account_id integer, fee_to_account_id integer,
      debtor text, creditor text, determining_transfer_id text, target_currency text, target_amount numeric)
  ), inserted AS (
    INSERT INTO transfer (id, kind, payer, payee, currency, amount, condition, expiration, state,
                          prepare_hash, cause, reference, created_at, completed_at,
                          fee_rule_id, fee_amount, fee_from_account_id, fee_to_account_id,
                          debtor, creditor, determining_transfer_id, target_currency, target_amount)
    SELECT id, kind, payer, payee, currency, amount, condition, expiration, state,
           prepare_hash, cause, reference, coalesce(created_at, now()), completed_at,
           fee_rule_id, fee_amount, fee_from_account_id, fee_to_account_id,
           debtor, creditor, determining_transfer_id, target_currency, target_amount
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
    UPDATE account a SET value = a.value + d.delta, version = a.version + 1, changed_at = now()
    FROM (SELECT account_id, sum(amount) AS delta, count(*) AS n FROM journal GROUP BY account_id ORDER BY account_id) d
    WHERE a.id = d.account_id
    RETURNING a.id, a.currency, a.value, a.version, d.delta, d.n
  )
  SELECT coalesce(sum(m.n), 0),
         (SELECT string_agg(c.currency || ' ' || c.total, ', ')
            FROM (SELECT currency, sum(delta) AS total FROM moved GROUP BY currency HAVING sum(delta) <> 0) c),
         jsonb_object_agg(m.id::text, m.value::text) FILTER (WHERE report_values),
         jsonb_object_agg(m.id::text, m.version::text) FILTER (WHERE report_versions)
    INTO journal_rows, unbalanced, balances, versions
  FROM moved m;
  IF unbalanced IS NOT NULL THEN
    RAISE EXCEPTION 'mizani_apply: the journal entries of the batch do not sum to zero per currency (%)', unbalanced;
  END IF;

  IF flows_in IS NOT NULL THEN
    INSERT INTO window_flow AS f (window_id, payer_account_id, payee_account_id, amount, transfers)
    SELECT window_id, payer_account_id, payee_account_id, amount, transfers
    FROM jsonb_to_recordset(flows_in) AS x(window_id integer, payer_account_id integer, payee_account_id integer, amount numeric, transfers bigint)
    ORDER BY window_id, payer_account_id, payee_account_id
    ON CONFLICT (window_id, payer_account_id, payee_account_id)
    DO UPDATE SET amount = f.amount + excluded.amount, transfers = f.transfers + excluded.transfers;
  END IF;

  IF close_in IS NOT NULL THEN
    closed := mizani_close_window((close_in ->> 'closing')::integer, (close_in ->> 'opening')::integer, close_in ->> 'reason');
  END IF;

  WITH incoming AS (
    SELECT * FROM jsonb_to_recordset(quote_ins_in) AS q(
      id text, payer text, payee text, currency text, amount numeric, expiration timestamptz,
      state text, request_hash text, created_at timestamptz, transaction_request_id text, transaction_id text)
  ), inserted AS (
    INSERT INTO quote (id, payer, payee, currency, amount, expiration, state, request_hash, created_at,
                       transaction_request_id, transaction_id)
    SELECT id, payer, payee, currency, amount, expiration, state, request_hash, coalesce(created_at, now()),
           transaction_request_id, transaction_id
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
    condition = coalesce(u.condition, q.condition),
    changed_at = now()
  FROM jsonb_to_recordset(quote_upd_in) AS u(
    id text, state text, response_hash text, error_code text, response_expiration timestamptz, condition text)
  WHERE q.id = u.id;
  GET DIAGNOSTICS quotes_changed = ROW_COUNT;

  -- Transaction requests (migration 014): new ones (a conflicting id is reported as 'transactionRequest:<id>'), then
  -- the payer's answers.
  WITH incoming AS (
    SELECT * FROM jsonb_to_recordset(request_ins_in) AS r(
      id text, payee text, payer text, currency text, amount numeric, expiration timestamptz,
      state text, request_hash text, error_code text, message_id text, created_at timestamptz)
  ), inserted AS (
    INSERT INTO transaction_request (id, payee, payer, currency, amount, expiration, state, request_hash, error_code, message_id, created_at)
    SELECT id, payee, payer, currency, amount, expiration, state, request_hash, error_code, message_id, coalesce(created_at, now())
    FROM incoming
    ON CONFLICT (id) DO NOTHING
    RETURNING id
  )
  SELECT coalesce(array_agg('transactionRequest:' || i.id), '{}') INTO request_conflicts
  FROM incoming i WHERE i.id NOT IN (SELECT id FROM inserted);

  UPDATE transaction_request t SET
    state = u.state,
    answer_hash = coalesce(u.answer_hash, t.answer_hash),
    transaction_id = coalesce(u.transaction_id, t.transaction_id),
    error_code = coalesce(u.error_code, t.error_code),
    changed_at = now()
  FROM jsonb_to_recordset(request_upd_in) AS u(id text, state text, answer_hash text, transaction_id text, error_code text)
  WHERE t.id = u.id;
  GET DIAGNOSTICS requests_changed = ROW_COUNT;

  RETURN jsonb_build_object(
    'conflicts', to_jsonb(conflicts || quote_conflicts || request_conflicts),
    'inserted', jsonb_array_length(inserts_in) - cardinality(conflicts),
    'updated', changed,
    'journal', journal_rows,
    'quotes_inserted', jsonb_array_length(quote_ins_in) - cardinality(quote_conflicts),
    'quotes_updated', quotes_changed,
    'requests_inserted', jsonb_array_length(request_ins_in) - cardinality(request_conflicts),
    'requests_updated', requests_changed,
    'windows_closed', closed,
    'balances', balances)
    || CASE WHEN report_versions THEN jsonb_build_object('versions', versions) ELSE '{}'::jsonb END;
END $$;
