-- App-wide feature flags read by is_set(field_name): exactly one row.
CREATE TABLE config (
  enable_team_accounts boolean NOT NULL DEFAULT 1,
  enable_account_billing boolean NOT NULL DEFAULT 1,
  enable_team_account_billing boolean NOT NULL DEFAULT 1,
  billing_provider billing_provider NOT NULL DEFAULT 'stripe',
  CONSTRAINT config_flags_bool CHECK (
    enable_team_accounts IN (0, 1) AND enable_account_billing IN (0, 1) AND enable_team_account_billing IN (0, 1))
);

CREATE TRIGGER config_single_row BEFORE INSERT ON config
WHEN (SELECT count(*) FROM config) > 0
BEGIN SELECT RAISE(ABORT, '23505: config has exactly one row; update it instead'); END;
CREATE TRIGGER config_keep_row BEFORE DELETE ON config
BEGIN SELECT RAISE(ABORT, '23514: config has exactly one row; it cannot be deleted'); END;
CREATE TRIGGER config_billing_provider_enum_insert BEFORE INSERT ON config
WHEN NEW.billing_provider IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kit_enum_values WHERE type_name = 'billing_provider' AND value = NEW.billing_provider)
BEGIN SELECT RAISE(ABORT, '22P02: invalid input value for enum billing_provider'); END;
CREATE TRIGGER config_billing_provider_enum_update BEFORE UPDATE OF billing_provider ON config
WHEN NEW.billing_provider IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kit_enum_values WHERE type_name = 'billing_provider' AND value = NEW.billing_provider)
BEGIN SELECT RAISE(ABORT, '22P02: invalid input value for enum billing_provider'); END;
INSERT INTO config DEFAULT VALUES;
