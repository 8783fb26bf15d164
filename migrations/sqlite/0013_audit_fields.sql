-- The seed's kit.track_user_changes on the core tables that carry created_by / updated_by:
-- the server sets them from auth.uid() (NULL for service_role and the server itself) and
-- never takes them from a client. An update keeps created_by and created_at as they were.
-- As for app tables (0012), SQLite's AFTER triggers update the row just written, and
-- kit_tracked_inserts tells the insert's own update from a client's.
-- ON DELETE SET NULL is an update too: when the user named is gone, the NULL stays (and a
-- user deleting themselves is not recorded as the updater).

CREATE TRIGGER accounts_track_changes_insert AFTER INSERT ON accounts FOR EACH ROW
BEGIN
  INSERT OR IGNORE INTO kit_tracked_inserts (table_name, row_id) VALUES ('accounts', NEW.rowid);
  UPDATE accounts SET created_by = auth_uid(), updated_by = auth_uid() WHERE rowid = NEW.rowid;
  DELETE FROM kit_tracked_inserts WHERE table_name = 'accounts' AND row_id = NEW.rowid;
END;

CREATE TRIGGER accounts_track_changes_update AFTER UPDATE ON accounts FOR EACH ROW
WHEN NOT EXISTS (SELECT 1 FROM kit_tracked_inserts WHERE table_name = 'accounts' AND row_id = NEW.rowid)
BEGIN
  UPDATE accounts SET created_by = CASE WHEN EXISTS (SELECT 1 FROM auth_users WHERE id = OLD.created_by) THEN OLD.created_by ELSE NEW.created_by END, created_at = OLD.created_at, updated_by = (SELECT id FROM auth_users WHERE id = auth_uid())
  WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER accounts_memberships_track_changes_insert AFTER INSERT ON accounts_memberships FOR EACH ROW
BEGIN
  INSERT OR IGNORE INTO kit_tracked_inserts (table_name, row_id) VALUES ('accounts_memberships', NEW.rowid);
  UPDATE accounts_memberships SET created_by = auth_uid(), updated_by = auth_uid() WHERE rowid = NEW.rowid;
  DELETE FROM kit_tracked_inserts WHERE table_name = 'accounts_memberships' AND row_id = NEW.rowid;
END;

CREATE TRIGGER accounts_memberships_track_changes_update AFTER UPDATE ON accounts_memberships FOR EACH ROW
WHEN NOT EXISTS (SELECT 1 FROM kit_tracked_inserts WHERE table_name = 'accounts_memberships' AND row_id = NEW.rowid)
BEGIN
  UPDATE accounts_memberships SET created_by = CASE WHEN EXISTS (SELECT 1 FROM auth_users WHERE id = OLD.created_by) THEN OLD.created_by ELSE NEW.created_by END, created_at = OLD.created_at, updated_by = (SELECT id FROM auth_users WHERE id = auth_uid())
  WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER super_admins_track_changes_insert AFTER INSERT ON super_admins FOR EACH ROW
BEGIN
  UPDATE super_admins SET created_by = auth_uid() WHERE rowid = NEW.rowid;
END;

-- Invitations are the one core table clients insert into (invitations_create): their
-- timestamps are the server's too.
CREATE TRIGGER invitations_server_timestamps AFTER INSERT ON invitations FOR EACH ROW
WHEN auth_role() IN ('anon', 'authenticated')
BEGIN
  UPDATE invitations SET created_at = now(), updated_at = now() WHERE rowid = NEW.rowid;
END;
