-- At most one active settlement model per scope (a currency, or all currencies: NULL) and ledger account type, kept
-- by the database: two hub nodes' Admin APIs may create or activate models at the same instant, and each node's memory
-- learns of the other's change only after it commits. A database that already holds two such models stops here, with
-- the duplicated key in the error: deactivate one of them (UPDATE settlement_model SET is_active = false) and start again.
CREATE UNIQUE INDEX settlement_model_active_scope ON settlement_model (coalesce(currency, ''), ledger_account_type) WHERE is_active;
