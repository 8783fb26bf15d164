-- In-app and email notifications addressed to an account.

INSERT INTO kit_enum_values (type_name, value, sort_order) VALUES
  ('notification_channel', 'in_app', 1),
  ('notification_channel', 'email', 2);

-- `type` is free text ('info', 'warning', 'error', or an app's own such as the seed's
-- 'billing_issue'); `body` may be empty, since the seed's own example sends only metadata.
CREATE TABLE notifications (
  id integer PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  type varchar(255) NOT NULL DEFAULT 'info',
  body varchar(5000) NOT NULL DEFAULT '',
  link varchar(255),
  channel notification_channel NOT NULL DEFAULT 'in_app',
  dismissed boolean NOT NULL DEFAULT 0,
  metadata jsonb NOT NULL DEFAULT '{}',
  expires_at timestamptz DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now', '+1 month')),
  created_at timestamptz NOT NULL DEFAULT (now()),
  updated_at timestamptz NOT NULL DEFAULT (now()),
  CONSTRAINT notifications_type_not_empty CHECK (length(trim(type)) > 0 AND length(type) <= 255),
  CONSTRAINT notifications_body_length CHECK (length(body) <= 5000),
  CONSTRAINT notifications_link_length CHECK (link IS NULL OR length(link) <= 255),
  CONSTRAINT notifications_dismissed_bool CHECK (dismissed IN (0, 1)),
  CONSTRAINT notifications_metadata_object CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
  CONSTRAINT notifications_expires_after_created CHECK (expires_at IS NULL OR expires_at > created_at)
);
-- The seed: "Index notifications by account_id and dismissed status".
CREATE INDEX idx_notifications_account_dismissed ON notifications (account_id, dismissed, expires_at);
CREATE INDEX ix_notifications_expires_at ON notifications (expires_at);

CREATE TRIGGER update_notifications_updated_at AFTER UPDATE ON notifications FOR EACH ROW
BEGIN UPDATE notifications SET updated_at = now() WHERE rowid = NEW.rowid; END;
CREATE TRIGGER notifications_channel_enum_insert BEFORE INSERT ON notifications
WHEN NEW.channel IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kit_enum_values WHERE type_name = 'notification_channel' AND value = NEW.channel)
BEGIN SELECT RAISE(ABORT, '22P02: invalid input value for enum notification_channel'); END;
CREATE TRIGGER notifications_channel_enum_update BEFORE UPDATE OF channel ON notifications
WHEN NEW.channel IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kit_enum_values WHERE type_name = 'notification_channel' AND value = NEW.channel)
BEGIN SELECT RAISE(ABORT, '22P02: invalid input value for enum notification_channel'); END;
