-- Realtime (api/realtime/, docs/realtime.md): the changes of tables that publish them, in
-- commit order, for the server's realtime worker to deliver to subscribers whose policies
-- let them read the row. A change keeps the row's image as written (the deleted row's for a
-- DELETE); the worker evaluates each subscriber's SELECT policies over that image at
-- delivery (so memberships and expiry count as they are then) and sends the record (only
-- the key for a DELETE). Delivered changes are purged after an hour.
CREATE TABLE kit_realtime_changes (
  id integer PRIMARY KEY,
  table_name text NOT NULL,
  op text NOT NULL,
  pk text NOT NULL,       -- the row's primary key as text (a JSON array for a composite key)
  image jsonb NOT NULL,   -- every column of the row (the old row for a DELETE)
  created_at timestamptz NOT NULL DEFAULT (now()),
  CONSTRAINT kit_realtime_changes_op CHECK (op IN ('INSERT', 'UPDATE', 'DELETE'))
);

-- The tables that publish (PostgreSQL's supabase_realtime publication): notifications by
-- default; an app adds its own with ALTER PUBLICATION supabase_realtime ADD TABLE …, which
-- installs triggers like the ones below (policy/app_statements_objects.cpp).
CREATE TABLE kit_realtime_tables (name text PRIMARY KEY);
INSERT INTO kit_realtime_tables (name) VALUES ('notifications');

-- notifications publish their changes (the seed's "in-app, email, real-time").
CREATE TRIGGER notifications_realtime_insert AFTER INSERT ON notifications FOR EACH ROW
BEGIN
  INSERT INTO kit_realtime_changes (table_name, op, pk, image) VALUES ('notifications', 'INSERT', CAST(NEW.id AS TEXT),
    json_object('id', NEW.id, 'account_id', NEW.account_id, 'type', NEW.type, 'body', NEW.body, 'link', NEW.link,
                'channel', NEW.channel, 'dismissed', NEW.dismissed, 'metadata', json(NEW.metadata),
                'expires_at', NEW.expires_at, 'created_at', NEW.created_at, 'updated_at', NEW.updated_at));
END;
CREATE TRIGGER notifications_realtime_update AFTER UPDATE ON notifications FOR EACH ROW
BEGIN
  INSERT INTO kit_realtime_changes (table_name, op, pk, image) VALUES ('notifications', 'UPDATE', CAST(NEW.id AS TEXT),
    json_object('id', NEW.id, 'account_id', NEW.account_id, 'type', NEW.type, 'body', NEW.body, 'link', NEW.link,
                'channel', NEW.channel, 'dismissed', NEW.dismissed, 'metadata', json(NEW.metadata),
                'expires_at', NEW.expires_at, 'created_at', NEW.created_at, 'updated_at', NEW.updated_at));
END;
CREATE TRIGGER notifications_realtime_delete AFTER DELETE ON notifications FOR EACH ROW
BEGIN
  INSERT INTO kit_realtime_changes (table_name, op, pk, image) VALUES ('notifications', 'DELETE', CAST(OLD.id AS TEXT),
    json_object('id', OLD.id, 'account_id', OLD.account_id, 'type', OLD.type, 'body', OLD.body, 'link', OLD.link,
                'channel', OLD.channel, 'dismissed', OLD.dismissed, 'metadata', json(OLD.metadata),
                'expires_at', OLD.expires_at, 'created_at', OLD.created_at, 'updated_at', OLD.updated_at));
END;
