-- The realtime worker purges delivered changes older than an hour, once a minute, by
-- created_at: an index, so that it never scans every change kept (see the SQLite twin of
-- this migration for what that scan did there). The purge goes in bounded batches.
CREATE INDEX realtime_changes_created_at ON kit.realtime_changes (created_at);
