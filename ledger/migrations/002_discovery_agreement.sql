-- Discovery and agreement: the built-in oracle, registered external oracles, and the minimum the
-- hub keeps of each quote (for duplicate checks and audit; no party data, no ILP packet).

-- '' stands for "no sub-id" / "any currency" so that the primary key can hold them.
CREATE TABLE oracle_party (
  party_id_type         text NOT NULL,
  party_identifier      text NOT NULL,
  party_sub_id_or_type  text NOT NULL DEFAULT '',
  currency              text NOT NULL DEFAULT '',
  fsp_id                text NOT NULL,
  created_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (party_id_type, party_identifier, party_sub_id_or_type, currency)
);

CREATE TABLE oracle (
  id              serial PRIMARY KEY,
  oracle_id_type  text NOT NULL,
  endpoint        text NOT NULL,
  endpoint_type   text NOT NULL DEFAULT 'URL',
  currency        char(3),
  is_default      boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE quote (
  id                   text PRIMARY KEY,
  payer                text NOT NULL,
  payee                text NOT NULL,
  currency             char(3) NOT NULL,
  amount               numeric(38, 4),
  expiration           timestamptz,
  state                text NOT NULL,
  request_hash         text NOT NULL,
  response_hash        text,
  error_code           text,
  response_expiration  timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  changed_at           timestamptz NOT NULL DEFAULT now()
);

-- mizani_apply, now also carrying quote records: new quotes (a conflicting id is reported back as
-- 'quote:<id>') and quote state changes, in the same transaction as the ledger writes.
CREATE OR REPLACE FUNCTION mizani_apply(batch jsonb) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  conflicts  text[];
  quote_conflicts text[];
  changed    integer;
  expected   integer;
BEGIN
  WITH incoming AS (
    SELECT * FROM jsonb_to_recordset(coalesce(batch -> 'inserts', '[]'::jsonb)) AS x(
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
  FROM jsonb_to_recordset(coalesce(batch -> 'updates', '[]'::jsonb)) AS u(
    id text, from_state text, state text, fulfil_hash text, error_hash text, fulfilment text,
    cause text, completed_at timestamptz)
  WHERE t.id = u.id AND t.state = u.from_state;
  GET DIAGNOSTICS changed = ROW_COUNT;
  expected := jsonb_array_length(coalesce(batch -> 'updates', '[]'::jsonb));
  IF changed <> expected THEN
    RAISE EXCEPTION 'mizani_apply: % of % transfer state changes did not find their expected state',
      expected - changed, expected;
  END IF;

  WITH entries AS (
    SELECT * FROM jsonb_to_recordset(coalesce(batch -> 'entries', '[]'::jsonb)) AS e(
      transfer_id text, account_id integer, amount numeric, event text, with_insert boolean)
  ), journal AS (
    INSERT INTO journal_entry (transfer_id, account_id, amount, event)
    SELECT transfer_id, account_id, amount, event FROM entries
    WHERE NOT (coalesce(with_insert, false) AND transfer_id = ANY (conflicts))
    RETURNING account_id, amount
  )
  UPDATE account a SET value = a.value + d.delta, changed_at = now()
  FROM (SELECT account_id, sum(amount) AS delta FROM journal GROUP BY account_id) d
  WHERE a.id = d.account_id;

  WITH incoming AS (
    SELECT * FROM jsonb_to_recordset(coalesce(batch -> 'quote_inserts', '[]'::jsonb)) AS q(
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
  FROM jsonb_to_recordset(coalesce(batch -> 'quote_updates', '[]'::jsonb)) AS u(
    id text, state text, response_hash text, error_code text, response_expiration timestamptz)
  WHERE q.id = u.id;

  RETURN conflicts || quote_conflicts;
END $$;
