-- Billing: provider customers, subscriptions with their items, one-off orders.
-- Rows are written by the server from the providers' webhooks.

INSERT INTO kit_enum_values (type_name, value, sort_order) VALUES
  ('billing_provider', 'stripe', 1),
  ('billing_provider', 'lemon-squeezy', 2),
  ('billing_provider', 'paddle', 3),
  ('subscription_status', 'active', 1),
  ('subscription_status', 'trialing', 2),
  ('subscription_status', 'past_due', 3),
  ('subscription_status', 'canceled', 4),
  ('subscription_status', 'unpaid', 5),
  ('subscription_status', 'incomplete', 6),
  ('subscription_status', 'incomplete_expired', 7),
  ('subscription_status', 'paused', 8),
  ('subscription_item_type', 'flat', 1),
  ('subscription_item_type', 'per_seat', 2),
  ('subscription_item_type', 'metered', 3),
  ('payment_status', 'pending', 1),
  ('payment_status', 'succeeded', 2),
  ('payment_status', 'failed', 3);

-- One row per (account, provider customer). A provider's customer belongs to one account.
CREATE TABLE billing_customers (
  id integer PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  provider billing_provider NOT NULL,
  customer_id text NOT NULL,
  email text,
  CONSTRAINT billing_customers_provider_customer_id_key UNIQUE (provider, customer_id),
  CONSTRAINT billing_customers_account_id_customer_id_provider_key UNIQUE (account_id, customer_id, provider),
  CONSTRAINT billing_customers_customer_id_not_empty CHECK (length(customer_id) > 0)
);
CREATE INDEX ix_billing_customers_account_id ON billing_customers (account_id);

-- subscriptions.customer_id is the provider's customer id, as in billing_customers; the
-- composite key makes the subscription's account, provider and customer agree.
CREATE TABLE subscriptions (
  id text PRIMARY KEY NOT NULL,
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  customer_id text NOT NULL,
  status subscription_status NOT NULL,
  active boolean NOT NULL,
  billing_provider billing_provider NOT NULL,
  cancel_at_period_end boolean NOT NULL DEFAULT 0,
  currency varchar(3) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT (now()),
  updated_at timestamptz NOT NULL DEFAULT (now()),
  period_starts_at timestamptz NOT NULL,
  period_ends_at timestamptz NOT NULL,
  trial_starts_at timestamptz,
  trial_ends_at timestamptz,
  FOREIGN KEY (account_id, customer_id, billing_provider)
    REFERENCES billing_customers (account_id, customer_id, provider) ON DELETE CASCADE,
  CONSTRAINT subscriptions_id_account_id_key UNIQUE (id, account_id),
  CONSTRAINT subscriptions_id_not_empty CHECK (length(id) > 0),
  CONSTRAINT subscriptions_active_matches_status CHECK (active = (status IN ('active', 'trialing'))),
  CONSTRAINT subscriptions_cancel_at_period_end_bool CHECK (cancel_at_period_end IN (0, 1)),
  CONSTRAINT subscriptions_currency_code CHECK (length(currency) = 3),
  CONSTRAINT subscriptions_period_order CHECK (period_ends_at >= period_starts_at),
  CONSTRAINT subscriptions_trial_order CHECK (
    trial_starts_at IS NULL OR trial_ends_at IS NULL OR trial_ends_at >= trial_starts_at)
);
CREATE INDEX ix_subscriptions_account_id ON subscriptions (account_id);
CREATE INDEX ix_subscriptions_customer ON subscriptions (account_id, customer_id, billing_provider);

CREATE TRIGGER update_subscriptions_updated_at AFTER UPDATE ON subscriptions FOR EACH ROW
BEGIN UPDATE subscriptions SET updated_at = now() WHERE rowid = NEW.rowid; END;

-- Line items: flat, per-seat or metered. account_id is copied from the subscription when
-- omitted (the seed's own INSERT names only subscription_id, price_id, quantity, type).
-- With no such subscription nothing is copied, so the foreign key refuses the row (23503).
CREATE TABLE subscription_items (
  id varchar(255) PRIMARY KEY NOT NULL DEFAULT (gen_random_uuid()),
  subscription_id text NOT NULL,
  account_id uuid,
  product_id varchar(255),
  price_id varchar(255) NOT NULL,
  type subscription_item_type NOT NULL,
  price_amount numeric,
  quantity integer NOT NULL DEFAULT 1,
  interval varchar(255),
  interval_count integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT (now()),
  updated_at timestamptz NOT NULL DEFAULT (now()),
  FOREIGN KEY (subscription_id, account_id) REFERENCES subscriptions (id, account_id) ON DELETE CASCADE,
  FOREIGN KEY (subscription_id) REFERENCES subscriptions (id) ON DELETE CASCADE,
  CONSTRAINT subscription_items_subscription_id_price_id_key UNIQUE (subscription_id, price_id),
  CONSTRAINT subscription_items_quantity_nonnegative CHECK (quantity >= 0),
  CONSTRAINT subscription_items_interval_count_positive CHECK (interval_count > 0),
  CONSTRAINT subscription_items_price_amount_nonnegative CHECK (price_amount IS NULL OR price_amount >= 0),
  CONSTRAINT subscription_items_interval_known CHECK (interval IS NULL OR interval IN ('day', 'week', 'month', 'year'))
);
CREATE INDEX ix_subscription_items_subscription_id ON subscription_items (subscription_id);
CREATE INDEX ix_subscription_items_account_id ON subscription_items (account_id);

CREATE TRIGGER subscription_items_fill_account_id AFTER INSERT ON subscription_items FOR EACH ROW
WHEN NEW.account_id IS NULL AND EXISTS (SELECT 1 FROM subscriptions WHERE id = NEW.subscription_id)
BEGIN
  UPDATE subscription_items SET account_id = (SELECT account_id FROM subscriptions WHERE id = NEW.subscription_id)
  WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER subscription_items_account_id_not_null BEFORE UPDATE OF account_id ON subscription_items
WHEN NEW.account_id IS NULL
BEGIN SELECT RAISE(ABORT, '23502: null value in column "account_id" of relation "subscription_items"'); END;
CREATE TRIGGER update_subscription_items_updated_at AFTER UPDATE ON subscription_items FOR EACH ROW
BEGIN UPDATE subscription_items SET updated_at = now() WHERE rowid = NEW.rowid; END;

-- One-off purchases.
CREATE TABLE orders (
  id text PRIMARY KEY NOT NULL,
  account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  customer_id text NOT NULL,
  status payment_status NOT NULL,
  billing_provider billing_provider NOT NULL,
  total_amount numeric NOT NULL,
  currency varchar(3) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT (now()),
  updated_at timestamptz NOT NULL DEFAULT (now()),
  FOREIGN KEY (account_id, customer_id, billing_provider)
    REFERENCES billing_customers (account_id, customer_id, provider) ON DELETE CASCADE,
  CONSTRAINT orders_id_account_id_key UNIQUE (id, account_id),
  CONSTRAINT orders_id_not_empty CHECK (length(id) > 0),
  CONSTRAINT orders_total_amount_nonnegative CHECK (total_amount >= 0),
  CONSTRAINT orders_currency_code CHECK (length(currency) = 3)
);
CREATE INDEX ix_orders_account_id ON orders (account_id);
CREATE INDEX ix_orders_customer ON orders (account_id, customer_id, billing_provider);

CREATE TRIGGER update_orders_updated_at AFTER UPDATE ON orders FOR EACH ROW
BEGIN UPDATE orders SET updated_at = now() WHERE rowid = NEW.rowid; END;

CREATE TABLE order_items (
  id varchar(255) PRIMARY KEY NOT NULL DEFAULT (gen_random_uuid()),
  order_id text NOT NULL,
  account_id uuid,
  product_id varchar(255),
  price_id varchar(255) NOT NULL,
  price_amount numeric,
  quantity integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT (now()),
  updated_at timestamptz NOT NULL DEFAULT (now()),
  FOREIGN KEY (order_id, account_id) REFERENCES orders (id, account_id) ON DELETE CASCADE,
  FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE,
  CONSTRAINT order_items_order_id_price_id_key UNIQUE (order_id, price_id),
  CONSTRAINT order_items_quantity_positive CHECK (quantity > 0),
  CONSTRAINT order_items_price_amount_nonnegative CHECK (price_amount IS NULL OR price_amount >= 0)
);
CREATE INDEX ix_order_items_order_id ON order_items (order_id);
CREATE INDEX ix_order_items_account_id ON order_items (account_id);

CREATE TRIGGER order_items_fill_account_id AFTER INSERT ON order_items FOR EACH ROW
WHEN NEW.account_id IS NULL AND EXISTS (SELECT 1 FROM orders WHERE id = NEW.order_id)
BEGIN
  UPDATE order_items SET account_id = (SELECT account_id FROM orders WHERE id = NEW.order_id)
  WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER order_items_account_id_not_null BEFORE UPDATE OF account_id ON order_items
WHEN NEW.account_id IS NULL
BEGIN SELECT RAISE(ABORT, '23502: null value in column "account_id" of relation "order_items"'); END;
CREATE TRIGGER update_order_items_updated_at AFTER UPDATE ON order_items FOR EACH ROW
BEGIN UPDATE order_items SET updated_at = now() WHERE rowid = NEW.rowid; END;

-- The seed's feature lookup: which features a subscription enables, with optional limits.
CREATE TABLE subscription_features (
  subscription_id text NOT NULL,
  account_id uuid,
  feature_name text NOT NULL,
  enabled boolean DEFAULT 1,
  usage_limit integer,
  PRIMARY KEY (subscription_id, feature_name),
  FOREIGN KEY (subscription_id, account_id) REFERENCES subscriptions (id, account_id) ON DELETE CASCADE,
  FOREIGN KEY (subscription_id) REFERENCES subscriptions (id) ON DELETE CASCADE,
  CONSTRAINT subscription_features_enabled_bool CHECK (enabled IS NULL OR enabled IN (0, 1)),
  CONSTRAINT subscription_features_feature_name_not_empty CHECK (length(trim(feature_name)) > 0),
  CONSTRAINT subscription_features_usage_limit_nonnegative CHECK (usage_limit IS NULL OR usage_limit >= 0)
);
CREATE INDEX ix_subscription_features_account_id ON subscription_features (account_id);

CREATE TRIGGER subscription_features_fill_account_id AFTER INSERT ON subscription_features FOR EACH ROW
WHEN NEW.account_id IS NULL AND EXISTS (SELECT 1 FROM subscriptions WHERE id = NEW.subscription_id)
BEGIN
  UPDATE subscription_features SET account_id = (SELECT account_id FROM subscriptions WHERE id = NEW.subscription_id)
  WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER subscription_features_account_id_not_null BEFORE UPDATE OF account_id ON subscription_features
WHEN NEW.account_id IS NULL
BEGIN SELECT RAISE(ABORT, '23502: null value in column "account_id" of relation "subscription_features"'); END;

-- Enum columns refuse values their type does not list (PostgreSQL: 22P02).
CREATE TRIGGER billing_customers_provider_enum_insert BEFORE INSERT ON billing_customers
WHEN NEW.provider IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kit_enum_values WHERE type_name = 'billing_provider' AND value = NEW.provider)
BEGIN SELECT RAISE(ABORT, '22P02: invalid input value for enum billing_provider'); END;
CREATE TRIGGER billing_customers_provider_enum_update BEFORE UPDATE OF provider ON billing_customers
WHEN NEW.provider IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kit_enum_values WHERE type_name = 'billing_provider' AND value = NEW.provider)
BEGIN SELECT RAISE(ABORT, '22P02: invalid input value for enum billing_provider'); END;
CREATE TRIGGER subscriptions_status_enum_insert BEFORE INSERT ON subscriptions
WHEN NEW.status IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kit_enum_values WHERE type_name = 'subscription_status' AND value = NEW.status)
BEGIN SELECT RAISE(ABORT, '22P02: invalid input value for enum subscription_status'); END;
CREATE TRIGGER subscriptions_status_enum_update BEFORE UPDATE OF status ON subscriptions
WHEN NEW.status IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kit_enum_values WHERE type_name = 'subscription_status' AND value = NEW.status)
BEGIN SELECT RAISE(ABORT, '22P02: invalid input value for enum subscription_status'); END;
CREATE TRIGGER subscriptions_billing_provider_enum_insert BEFORE INSERT ON subscriptions
WHEN NEW.billing_provider IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kit_enum_values WHERE type_name = 'billing_provider' AND value = NEW.billing_provider)
BEGIN SELECT RAISE(ABORT, '22P02: invalid input value for enum billing_provider'); END;
CREATE TRIGGER subscriptions_billing_provider_enum_update BEFORE UPDATE OF billing_provider ON subscriptions
WHEN NEW.billing_provider IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kit_enum_values WHERE type_name = 'billing_provider' AND value = NEW.billing_provider)
BEGIN SELECT RAISE(ABORT, '22P02: invalid input value for enum billing_provider'); END;
CREATE TRIGGER subscription_items_type_enum_insert BEFORE INSERT ON subscription_items
WHEN NEW.type IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kit_enum_values WHERE type_name = 'subscription_item_type' AND value = NEW.type)
BEGIN SELECT RAISE(ABORT, '22P02: invalid input value for enum subscription_item_type'); END;
CREATE TRIGGER subscription_items_type_enum_update BEFORE UPDATE OF type ON subscription_items
WHEN NEW.type IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kit_enum_values WHERE type_name = 'subscription_item_type' AND value = NEW.type)
BEGIN SELECT RAISE(ABORT, '22P02: invalid input value for enum subscription_item_type'); END;
CREATE TRIGGER orders_status_enum_insert BEFORE INSERT ON orders
WHEN NEW.status IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kit_enum_values WHERE type_name = 'payment_status' AND value = NEW.status)
BEGIN SELECT RAISE(ABORT, '22P02: invalid input value for enum payment_status'); END;
CREATE TRIGGER orders_status_enum_update BEFORE UPDATE OF status ON orders
WHEN NEW.status IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kit_enum_values WHERE type_name = 'payment_status' AND value = NEW.status)
BEGIN SELECT RAISE(ABORT, '22P02: invalid input value for enum payment_status'); END;
CREATE TRIGGER orders_billing_provider_enum_insert BEFORE INSERT ON orders
WHEN NEW.billing_provider IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kit_enum_values WHERE type_name = 'billing_provider' AND value = NEW.billing_provider)
BEGIN SELECT RAISE(ABORT, '22P02: invalid input value for enum billing_provider'); END;
CREATE TRIGGER orders_billing_provider_enum_update BEFORE UPDATE OF billing_provider ON orders
WHEN NEW.billing_provider IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kit_enum_values WHERE type_name = 'billing_provider' AND value = NEW.billing_provider)
BEGIN SELECT RAISE(ABORT, '22P02: invalid input value for enum billing_provider'); END;
