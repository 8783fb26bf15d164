-- PostgreSQL counterpart of migrations/sqlite/0018_audit_fields_keep_null.sql. Nothing to
-- change: kit.track_user_changes (0013) never took created_by from the new row, so a NULL
-- creator already stays NULL here. The statement keeps the step a real one.
DO $$ BEGIN END $$;
