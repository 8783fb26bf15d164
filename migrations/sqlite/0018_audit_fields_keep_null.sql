-- 0013's update triggers kept a client's created_by when the row had none: a row nobody is
-- recorded as creating (a personal account made by the sign-up trigger, a service_role
-- insert) could be given any creator by a later UPDATE. created_by now only ever goes from
-- a user to NULL (ON DELETE SET NULL when that user is deleted), never from NULL to a user.

DROP TRIGGER accounts_track_changes_update;
CREATE TRIGGER accounts_track_changes_update AFTER UPDATE ON accounts FOR EACH ROW
WHEN NOT EXISTS (SELECT 1 FROM kit_tracked_inserts WHERE table_name = 'accounts' AND row_id = NEW.rowid)
BEGIN
  UPDATE accounts SET created_by = CASE WHEN OLD.created_by IS NULL OR EXISTS (SELECT 1 FROM auth_users WHERE id = OLD.created_by) THEN OLD.created_by ELSE NEW.created_by END, created_at = OLD.created_at, updated_by = (SELECT id FROM auth_users WHERE id = auth_uid())
  WHERE rowid = NEW.rowid;
END;

DROP TRIGGER accounts_memberships_track_changes_update;
CREATE TRIGGER accounts_memberships_track_changes_update AFTER UPDATE ON accounts_memberships FOR EACH ROW
WHEN NOT EXISTS (SELECT 1 FROM kit_tracked_inserts WHERE table_name = 'accounts_memberships' AND row_id = NEW.rowid)
BEGIN
  UPDATE accounts_memberships SET created_by = CASE WHEN OLD.created_by IS NULL OR EXISTS (SELECT 1 FROM auth_users WHERE id = OLD.created_by) THEN OLD.created_by ELSE NEW.created_by END, created_at = OLD.created_at, updated_by = (SELECT id FROM auth_users WHERE id = auth_uid())
  WHERE rowid = NEW.rowid;
END;
