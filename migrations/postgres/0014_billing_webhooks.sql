-- What the billing webhooks remember besides the seed's rows (server-only, not exposed:
-- granted to service_role only, so clients get 42501).
-- PostgreSQL counterpart of migrations/sqlite/0014_billing_webhooks.sql (kit_billing_events
-- → kit.billing_events, kit_billing_versions → kit.billing_versions).

-- Every provider event processed, by the provider's event id: a redelivery changes nothing.
CREATE TABLE kit.billing_events (
  provider text NOT NULL,
  event_id text NOT NULL,
  event_type text NOT NULL,
  occurred_at timestamptz NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  outcome text NOT NULL DEFAULT 'applied',
  PRIMARY KEY (provider, event_id),
  CONSTRAINT kit_billing_events_outcome CHECK (outcome IN ('applied', 'stale', 'ignored'))
);

-- The provider event time of the state stored for each subscription and order: an older
-- event (delivered late or out of order) changes nothing.
CREATE TABLE kit.billing_versions (
  provider text NOT NULL,
  object_type text NOT NULL,
  object_id text NOT NULL,
  event_at timestamptz NOT NULL,
  PRIMARY KEY (provider, object_type, object_id),
  CONSTRAINT kit_billing_versions_object_type CHECK (object_type IN ('subscription', 'order'))
);

ALTER TABLE kit.billing_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE kit.billing_events FORCE ROW LEVEL SECURITY;
ALTER TABLE kit.billing_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE kit.billing_versions FORCE ROW LEVEL SECURITY;
REVOKE ALL ON kit.billing_events, kit.billing_versions FROM anon, authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON kit.billing_events, kit.billing_versions TO service_role;
