-- Mizani ledger: participants, accounts, limits, endpoints, settlement models, transfers and the
-- double-entry journal. Amounts are NUMERIC(38,4): the ledger's scale is 4 decimal places (the most
-- an FSPIOP amount carries); an amount that needs more is refused before it gets here.

CREATE TABLE participant (
  id          serial PRIMARY KEY,
  name        text NOT NULL UNIQUE,
  is_active   boolean NOT NULL DEFAULT true,
  is_proxy    boolean NOT NULL DEFAULT false,
  is_hub      boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ledger_account_type (
  name           text PRIMARY KEY,
  description    text NOT NULL DEFAULT '',
  is_active      boolean NOT NULL DEFAULT true,
  is_settleable  boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now()
);

INSERT INTO ledger_account_type (name, description, is_settleable) VALUES
  ('POSITION', 'Net position of a participant', true),
  ('SETTLEMENT', 'Liquidity held for settlement (funds in/out)', false),
  ('HUB_RECONCILIATION', 'Hub side of funds in/out', false),
  ('HUB_MULTILATERAL_SETTLEMENT', 'Hub side of multilateral net settlement', false),
  ('HUB_FEE', 'Hub fees', false),
  ('INTERCHANGE_FEE', 'Interchange fees', true),
  ('INTERCHANGE_FEE_SETTLEMENT', 'Settlement of interchange fees', false),
  ('POSITION_REMITTANCE', 'Remittance position', true),
  ('SETTLEMENT_REMITTANCE', 'Remittance settlement', false),
  ('HUB_CLEARING', 'Internal: amounts reserved by transfers in flight', false);

-- One row per participant, currency and ledger account type (Mojaloop's participantCurrency).
-- value is the cached balance: always equal to the sum of the account's journal entries.
CREATE TABLE account (
  id                   serial PRIMARY KEY,
  participant_id       integer NOT NULL REFERENCES participant (id),
  currency             char(3) NOT NULL,
  ledger_account_type  text NOT NULL REFERENCES ledger_account_type (name),
  is_active            boolean NOT NULL DEFAULT false,
  value                numeric(38, 4) NOT NULL DEFAULT 0,
  changed_at           timestamptz NOT NULL DEFAULT now(),
  created_at           timestamptz NOT NULL DEFAULT now(),
  created_by           text NOT NULL DEFAULT 'admin',
  UNIQUE (participant_id, currency, ledger_account_type)
);

CREATE TABLE participant_limit (
  account_id        integer PRIMARY KEY REFERENCES account (id),
  type              text NOT NULL DEFAULT 'NET_DEBIT_CAP',
  value             numeric(38, 4) NOT NULL CHECK (value >= 0),
  alarm_percentage  numeric(5, 2) NOT NULL DEFAULT 10,
  changed_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE participant_endpoint (
  participant_id  integer NOT NULL REFERENCES participant (id),
  type            text NOT NULL,
  value           text NOT NULL,
  changed_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (participant_id, type)
);

CREATE TABLE settlement_model (
  id                        serial PRIMARY KEY,
  name                      text NOT NULL UNIQUE,
  is_active                 boolean NOT NULL DEFAULT true,
  settlement_granularity    text NOT NULL,
  settlement_interchange    text NOT NULL,
  settlement_delay          text NOT NULL,
  currency                  char(3),
  require_liquidity_check   boolean NOT NULL,
  ledger_account_type       text NOT NULL REFERENCES ledger_account_type (name),
  settlement_account_type   text NOT NULL REFERENCES ledger_account_type (name),
  auto_position_reset       boolean NOT NULL,
  created_at                timestamptz NOT NULL DEFAULT now()
);

-- Transfers of every kind: FSPIOP clearing (TRANSFER) and liquidity movements (FUNDS_IN, FUNDS_OUT).
-- Only what clearing, duplicate checks and audit need is kept (no party data, no ILP packet).
CREATE TABLE transfer (
  id            text PRIMARY KEY,
  kind          text NOT NULL,
  payer         text NOT NULL,
  payee         text NOT NULL,
  currency      char(3) NOT NULL,
  -- NULL only for an INVALID prepare whose amount the ledger cannot hold.
  amount        numeric(38, 4) CHECK (amount >= 0),
  condition     text,
  expiration    timestamptz,
  state         text NOT NULL,
  prepare_hash  text,
  fulfil_hash   text,
  error_hash    text,
  fulfilment    text,
  cause         text,
  reference     text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  completed_at  timestamptz
);

-- In-flight transfers are reloaded on start; keep that lookup cheap as the table grows.
CREATE INDEX transfer_in_flight ON transfer (id) WHERE state = 'RESERVED';

CREATE TABLE journal_entry (
  id           bigserial PRIMARY KEY,
  transfer_id  text NOT NULL,
  account_id   integer NOT NULL REFERENCES account (id),
  amount       numeric(38, 4) NOT NULL,
  event        text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX journal_entry_transfer ON journal_entry (transfer_id);
CREATE INDEX journal_entry_account ON journal_entry (account_id);

CREATE FUNCTION journal_is_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'journal entries are immutable';
END $$;

CREATE TRIGGER journal_entry_immutable BEFORE UPDATE OR DELETE ON journal_entry
  FOR EACH ROW EXECUTE FUNCTION journal_is_immutable();

CREATE TRIGGER journal_entry_not_truncated BEFORE TRUNCATE ON journal_entry
  FOR EACH STATEMENT EXECUTE FUNCTION journal_is_immutable();

-- Applies one group-commit batch atomically: new transfers, state changes, journal entries and the
-- balance cache. A new transfer whose id already exists is skipped together with its entries and
-- reported back, so the caller can treat it as a duplicate. A state change that does not find the
-- state it expects aborts the whole batch.
CREATE FUNCTION mizani_apply(batch jsonb) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  conflicts  text[];
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

  RETURN conflicts;
END $$;
