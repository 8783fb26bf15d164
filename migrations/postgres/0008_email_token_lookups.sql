-- Lookups for email verification (docs/auth-email.md). An email link carries a token
-- that is found by its keyed hash; a code for an email change is found through the
-- user's pending new address.
-- PostgreSQL counterpart of migrations/sqlite/0008_email_token_lookups.sql.
CREATE INDEX ix_one_time_tokens_token ON public.one_time_tokens (token);
CREATE INDEX ix_auth_users_email_change ON auth.users (email_change) WHERE email_change IS NOT NULL;
