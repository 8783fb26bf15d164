-- The realtime worker purges delivered changes older than an hour, once a minute. Without
-- an index that was a scan of every change kept (each with its row's JSON image): with
-- millions of notifications written in the last hour it held SQLite's writer for seconds,
-- and writes queued behind it ran out of their busy timeout (503). The purge also goes in
-- bounded batches now (api/realtime/realtime.cpp).
CREATE INDEX kit_realtime_changes_created_at ON kit_realtime_changes (created_at);
