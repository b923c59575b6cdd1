-- mizani_apply's statements join a batch (jsonb_to_recordset, a handful of rows) with transfer, quote
-- and account by primary key. PL/pgSQL caches their plans; planned while the tables were small (a new
-- hub), they became hash joins over sequential scans, and every group commit then read the whole
-- transfer and quote tables: the cost per payment grew with the ledger (benchmark, 2026-11-23: ~1,800
-- rows read per payment after 3,000 payments). A batch is at most MIZANI_BATCH_MAX rows, so key lookups
-- by index are always right here: the function plans without sequential scans, hash or merge joins.
ALTER FUNCTION mizani_apply(jsonb) SET enable_seqscan = off;
ALTER FUNCTION mizani_apply(jsonb) SET enable_hashjoin = off;
ALTER FUNCTION mizani_apply(jsonb) SET enable_mergejoin = off;
