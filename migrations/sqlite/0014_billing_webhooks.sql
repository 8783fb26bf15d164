-- What the billing webhooks remember besides the seed's rows (server-only, not exposed).

-- Every provider event processed, by the provider's event id: a redelivery changes nothing.
CREATE TABLE kit_billing_events (
  provider text NOT NULL,
  event_id text NOT NULL,
  event_type text NOT NULL,
  occurred_at timestamptz NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT (now()),
  outcome text NOT NULL DEFAULT 'applied',
  PRIMARY KEY (provider, event_id),
  CONSTRAINT kit_billing_events_outcome CHECK (outcome IN ('applied', 'stale', 'ignored'))
);

-- The provider event time of the state stored for each subscription and order: an older
-- event (delivered late or out of order) changes nothing.
CREATE TABLE kit_billing_versions (
  provider text NOT NULL,
  object_type text NOT NULL,
  object_id text NOT NULL,
  event_at timestamptz NOT NULL,
  PRIMARY KEY (provider, object_type, object_id),
  CONSTRAINT kit_billing_versions_object_type CHECK (object_type IN ('subscription', 'order'))
);
