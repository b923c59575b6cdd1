-- The portal's reads (issue 16): transfer search by time and the throughput and latency series (Admin API
-- GET /transfers, GET /stats/series, docs/portal-api.md). A BRIN index, not a B-tree: a transfer row is written in
-- created_at order and completed soon after, so block ranges summarise both columns well, and the index costs a payment
-- almost nothing (measured on PostgreSQL 15, 200,000 prepares and commits in batches of 1,000: +1 to 4 % time with this
-- index, +7 to 12 % with a B-tree on created_at; 24 kB against 9.6 MB). A one-hour range of a million transfers reads
-- in 2 ms instead of 85 ms (a sequential scan).
-- autosummarize: a filled block range is summarised by autovacuum soon after, not at the next VACUUM (until then it
-- is read whole, so recent rows are always found).
CREATE INDEX transfer_times ON transfer USING brin (created_at, completed_at) WITH (autosummarize = on);
