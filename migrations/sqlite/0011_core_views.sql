-- The seed's views, with the caller's rights (security_invoker = true on PostgreSQL).
-- On SQLite the data API never reads a view as stored: it reads its SELECT with every
-- table it names replaced by that table's rows as the caller's policies show them
-- (policy/policy_set.h, ViewSql), so a view never widens access. The view itself exists
-- so the catalog knows its columns.

-- The teams the caller belongs to, with their role in each.
CREATE VIEW user_accounts AS
SELECT account.id AS id, account.name AS name, account.picture_url AS picture_url,
       account.slug AS slug, membership.account_role AS role
FROM accounts account
JOIN accounts_memberships membership ON account.id = membership.account_id
WHERE membership.user_id = auth_uid() AND account.is_personal_account = 0;

-- The caller's personal account, with its subscription's status.
CREATE VIEW user_account_workspace AS
SELECT accounts.id AS id, accounts.name AS name, accounts.picture_url AS picture_url,
       accounts.public_data AS public_data,
       (SELECT status FROM subscriptions WHERE account_id = accounts.id LIMIT 1) AS subscription_status
FROM accounts
WHERE accounts.primary_owner_user_id = auth_uid() AND accounts.is_personal_account = 1
LIMIT 1;
