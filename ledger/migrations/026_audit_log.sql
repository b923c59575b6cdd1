-- The audit log (issue 16, docs/audit.md): a hash-chained, append-only record of every Admin action and every money
-- event of record, with checkpoints signed by the hub's key.
--
-- audit_entry: one row per entry. `seq` is gapless from 1, assigned by whoever holds the lock on audit_head's one row
-- (so several hub nodes sharing this database append one after another). `hash` = SHA-256 over `prev_hash` and a
-- canonical text of (seq, at, kind, actor, subject, detail), computed by the hub (ledger/audit-chain.ts) and
-- recomputed by `mizani audit verify`; `prev_hash` is the hash of entry seq - 1 (64 zeros for seq 1).
CREATE TABLE audit_entry (
  seq        bigint PRIMARY KEY CHECK (seq > 0),
  at         timestamptz NOT NULL,
  kind       text NOT NULL,
  actor      text NOT NULL,
  subject    text NOT NULL,
  detail     jsonb NOT NULL,
  prev_hash  text NOT NULL,
  hash       text NOT NULL
);
-- verify names what is wrong by finding where an entry's predecessor went (not unique: a forged copy may share it).
CREATE INDEX audit_entry_hash ON audit_entry (hash);

-- The chain's head: the last entry's seq and hash, updated in the transaction that appends. Its row lock is the
-- appenders' lock; verify reads it to see a chain that was cut short (the tail deleted) or extended behind the hub.
CREATE TABLE audit_head (
  one   boolean PRIMARY KEY DEFAULT true CHECK (one),
  seq   bigint NOT NULL,
  hash  text NOT NULL
);
INSERT INTO audit_head (one, seq, hash) VALUES (true, 0, repeat('0', 64));

-- Signed checkpoints: the hub's signature over (seq, hash, at) of the chain at that point, and the public key (SPKI
-- PEM) that verifies it. An entry changed and the chain re-hashed after it no longer matches the checkpoint.
CREATE TABLE audit_checkpoint (
  seq         bigint PRIMARY KEY,
  hash        text NOT NULL,
  at          timestamptz NOT NULL,
  public_key  text NOT NULL,
  signature   text NOT NULL
);

-- Ordinary edits are refused, as the journal's are: changing the log takes a deliberate bypass (superuser,
-- session_replication_role = replica), which is what verify is there to catch.
CREATE FUNCTION audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit entries and checkpoints are append-only';
END $$;
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
  FOR EACH ROW EXECUTE FUNCTION audit_is_append_only();
CREATE TRIGGER audit_entry_not_truncated BEFORE TRUNCATE ON audit_entry
  FOR EACH STATEMENT EXECUTE FUNCTION audit_is_append_only();
CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_checkpoint
  FOR EACH ROW EXECUTE FUNCTION audit_is_append_only();

-- Money events waiting to be chained. Written by the triggers below in the transaction of the ledger write itself
-- (so a crash loses none), read and deleted by the drain (ledger/audit.ts) in the transaction that chains them. A
-- group-commit batch adds ONE row whatever its size: the ids and final states of its transfers, as two text arrays.
-- The event's facts (payer, payee, amount, ...) are read from the transfer row when it is chained.
CREATE TABLE audit_queue (
  id      bigserial PRIMARY KEY,
  source  text NOT NULL CHECK (source IN ('transfer', 'window', 'settlement')),
  refs    text[] NOT NULL,
  states  text[] NOT NULL
);

-- Transfers of every kind (payments, bulk lines, conversions, funds in/out, settlement transfers) that reach a final
-- state: inserted final (a refused prepare, funds in) or updated to it (commit, abort, expiry). Statement triggers
-- with transition tables: one call per statement of mizani_apply, not one per transfer. The states held while a
-- transfer is in flight are those of ledger/engine.ts HELD_STATES_SQL.
CREATE FUNCTION audit_queue_transfers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_queue (source, refs, states)
  SELECT 'transfer', array_agg(n.id), array_agg(n.state)
  FROM audit_changed n
  WHERE n.state NOT IN ('RESERVED', 'RECEIVED_FULFIL_DEPENDENT', 'RESERVED_FORWARDED', 'RECEIVED_PREPARE')
  HAVING count(*) > 0;
  RETURN NULL;
END $$;
CREATE TRIGGER transfer_final_inserted AFTER INSERT ON transfer
  REFERENCING NEW TABLE AS audit_changed FOR EACH STATEMENT EXECUTE FUNCTION audit_queue_transfers();
CREATE TRIGGER transfer_final_updated AFTER UPDATE ON transfer
  REFERENCING NEW TABLE AS audit_changed FOR EACH STATEMENT EXECUTE FUNCTION audit_queue_transfers();

-- Settlement windows changing state (closed, pending settlement, settled, aborted): rare, one row each.
CREATE FUNCTION audit_queue_window() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_queue (source, refs, states) VALUES ('window', ARRAY[NEW.id::text], ARRAY[NEW.state]);
  RETURN NULL;
END $$;
CREATE TRIGGER settlement_window_state_changed AFTER UPDATE ON settlement_window
  FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION audit_queue_window();

-- Every recorded state of a settlement or one of its accounts (settlement_state_change is that record).
CREATE FUNCTION audit_queue_settlement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_queue (source, refs, states) VALUES ('settlement', ARRAY[NEW.id::text], ARRAY[NEW.state]);
  RETURN NULL;
END $$;
CREATE TRIGGER settlement_state_recorded AFTER INSERT ON settlement_state_change
  FOR EACH ROW EXECUTE FUNCTION audit_queue_settlement();
