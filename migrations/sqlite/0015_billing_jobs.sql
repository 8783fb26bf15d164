-- Per-seat billing: a team's active per_seat subscription items count its members. When a
-- membership comes or goes (joining, leaving, removal, an accepted invitation, service_role
-- writes), the item's quantity follows at once and a job to tell the provider is queued in
-- the same transaction, so no change is lost if the provider is down or the server stops.

-- Work for the providers' APIs, done by the server's billing worker (domain/billing/
-- provider_jobs.h) with retries and back-off: seat quantities (one pending job per item: a
-- newer quantity replaces the pending one) and usage reports of metered items (one job per
-- report_usage call, each sent once: usage adds up).
CREATE TABLE kit_billing_jobs (
  id integer PRIMARY KEY,
  kind text NOT NULL,
  provider text NOT NULL,
  subscription_id text NOT NULL,
  item_id text NOT NULL,
  quantity integer NOT NULL,
  customer_id text,       -- usage: the provider's customer (Stripe meter events name it)
  meter text,             -- usage: the Stripe meter's event name
  usage_id integer,       -- usage: the kit_billing_usage row, the provider's idempotency key
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT (now()),
  last_error text,
  created_at timestamptz NOT NULL DEFAULT (now()),
  done_at timestamptz,
  CONSTRAINT kit_billing_jobs_kind CHECK (kind IN ('seat_quantity', 'usage'))
);
CREATE UNIQUE INDEX kit_billing_jobs_pending_seats ON kit_billing_jobs (kind, item_id) WHERE done_at IS NULL AND kind = 'seat_quantity';
CREATE INDEX ix_kit_billing_jobs_due ON kit_billing_jobs (next_attempt_at) WHERE done_at IS NULL;

CREATE TRIGGER accounts_memberships_seats_insert AFTER INSERT ON accounts_memberships FOR EACH ROW
BEGIN
  UPDATE subscription_items SET quantity = (SELECT count(*) FROM accounts_memberships WHERE account_id = NEW.account_id)
  WHERE account_id = NEW.account_id AND type = 'per_seat'
    AND subscription_id IN (SELECT id FROM subscriptions WHERE account_id = NEW.account_id AND active);
  INSERT INTO kit_billing_jobs (kind, provider, subscription_id, item_id, quantity)
  SELECT 'seat_quantity', s.billing_provider, s.id, i.id, i.quantity
  FROM subscription_items i JOIN subscriptions s ON s.id = i.subscription_id
  WHERE i.account_id = NEW.account_id AND i.type = 'per_seat' AND s.active
  ON CONFLICT (kind, item_id) WHERE done_at IS NULL AND kind = 'seat_quantity'
  DO UPDATE SET quantity = excluded.quantity, attempts = 0, next_attempt_at = excluded.next_attempt_at, last_error = NULL;
END;

CREATE TRIGGER accounts_memberships_seats_delete AFTER DELETE ON accounts_memberships FOR EACH ROW
BEGIN
  UPDATE subscription_items SET quantity = (SELECT count(*) FROM accounts_memberships WHERE account_id = OLD.account_id)
  WHERE account_id = OLD.account_id AND type = 'per_seat'
    AND subscription_id IN (SELECT id FROM subscriptions WHERE account_id = OLD.account_id AND active);
  INSERT INTO kit_billing_jobs (kind, provider, subscription_id, item_id, quantity)
  SELECT 'seat_quantity', s.billing_provider, s.id, i.id, i.quantity
  FROM subscription_items i JOIN subscriptions s ON s.id = i.subscription_id
  WHERE i.account_id = OLD.account_id AND i.type = 'per_seat' AND s.active
  ON CONFLICT (kind, item_id) WHERE done_at IS NULL AND kind = 'seat_quantity'
  DO UPDATE SET quantity = excluded.quantity, attempts = 0, next_attempt_at = excluded.next_attempt_at, last_error = NULL;
END;

-- Usage of metered items, as report_usage recorded it (domain/billing/usage.h).
CREATE TABLE kit_billing_usage (
  id integer PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  subscription_id text NOT NULL,
  subscription_item_id text NOT NULL,
  feature text,
  quantity integer NOT NULL CHECK (quantity > 0),
  created_at timestamptz NOT NULL DEFAULT (now())
);
CREATE INDEX ix_kit_billing_usage_account ON kit_billing_usage (account_id, created_at);
