-- mizani_apply checks what the hub checks before it sends a batch (docs/decisions.md 2026-12-06, "Limits and
-- assertions on the money path"), so that a hub with a bug, an old hub or a hand-written call cannot unbalance the
-- books either:
--  * the batch is not larger than its maximum: `writes` (the ledger writes the hub put in it) is at most
--    `writes_max` (the hub's MIZANI_BATCH_MAX) and never above 100,000 (the largest MIZANI_BATCH_MAX allowed);
--    every array is at most `writes` long, and there are at most 4 journal entries per write;
--  * the journal entries it applies sum to zero per currency (the currency of each entry's account, read from the
--    rows the balance update touches: no extra join);
-- and raises otherwise: the whole batch is rolled back, the hub fails it and rebuilds from what is durable.
--
-- It reports what it did instead of only the conflicts, so the hub checks the effects on the way back (transfers
-- inserted and state changes applied, journal rows written, quote rows), and, when asked (`report_values`, tests
-- and MIZANI_LEDGER_ASSERTIONS=all), the new balance of every account the batch touched.
--
-- The return type changes (text[] -> jsonb), so the function is dropped and created again; the planner settings
-- of migration 005 (key lookups by index only) are part of the definition now, since a new function would lose them.
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
BEGIN
  writes := coalesce((batch ->> 'writes')::integer, greatest(
    jsonb_array_length(inserts_in), jsonb_array_length(updates_in), jsonb_array_length(quote_ins_in),
    jsonb_array_length(quote_upd_in), (jsonb_array_length(entries_in) + entries_per_write_max - 1) / entries_per_write_max));
  IF writes > writes_max THEN
    RAISE EXCEPTION 'mizani_apply: a batch of % writes exceeds the maximum of %', writes, writes_max;
  END IF;
  IF greatest(jsonb_array_length(inserts_in), jsonb_array_length(updates_in), jsonb_array_length(quote_ins_in),
              jsonb_array_length(quote_upd_in)) > writes
     OR jsonb_array_length(entries_in) > writes * entries_per_write_max THEN
    RAISE EXCEPTION 'mizani_apply: a batch of % writes carries % transfer inserts, % state changes, % quote inserts, % quote changes and % journal entries (at most one of each and % entries per write)',
      writes, jsonb_array_length(inserts_in), jsonb_array_length(updates_in), jsonb_array_length(quote_ins_in),
      jsonb_array_length(quote_upd_in), jsonb_array_length(entries_in), entries_per_write_max;
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
    completed_at = coalesce(u.completed_at, t.completed_at)
  FROM jsonb_to_recordset(updates_in) AS u(
    id text, from_state text, state text, fulfil_hash text, error_hash text, fulfilment text,
    cause text, completed_at timestamptz)
  WHERE t.id = u.id AND t.state = u.from_state;
  GET DIAGNOSTICS changed = ROW_COUNT;
  expected := jsonb_array_length(updates_in);
  IF changed <> expected THEN
    RAISE EXCEPTION 'mizani_apply: % of % transfer state changes did not find their expected state',
      expected - changed, expected;
  END IF;

  -- The journal rows, the balance cache they change, and per currency what they sum to: the currency comes from
  -- the account rows being updated (RETURNING), so the check costs no lookup of its own.
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
    'balances', balances);
END $$;
