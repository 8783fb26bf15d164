// Proves the constraints of the core schema's billing and notification tables
// (migrations/sqlite/0004, 0005) and the enum triggers of every table: each by a write
// that must fail with its SQLSTATE next to the nearest write that succeeds, or by a delete
// that must cascade.
#include <string>
#include <vector>

#include "store/schema_test.h"

namespace tb::store {
namespace {

// The tables whose account_id the *_fill_account_id triggers copy from a parent row.
struct ChildTable {
  std::string table;
  std::string parent_column;

  const std::string& ParentIn(const Tenant& t) const {
    return parent_column == "order_id" ? t.order : t.subscription;
  }
};

std::vector<ChildTable> ChildTables() {
  return {{"subscription_items", "subscription_id"},
          {"subscription_features", "subscription_id"},
          {"order_items", "order_id"}};
}

// ---- Enum columns -----------------------------------------------------------------------
// Inserts of unlisted values are refused in each table's *ColumnsAreChecked test.

TEST_F(SchemaTest, EnumColumnsRefuseUnlistedValuesOnUpdate) {
  const Tenant a = CreateTenant("acme");
  CreateCustomer(CreateTeam(a.owner, "spare"), "cus_spare");
  CreateManagerRole();
  ASSERT_TRUE(Accepted("INSERT INTO role_permissions (role, permission) VALUES ($1, $2)",
                       {Text("manager"), Text("members.manage")}));
  struct Case {
    std::string table;
    std::string column;
    std::string key_column;
    Value key;
    std::string listed;
  };
  const std::vector<Case> cases = {
      {"role_permissions", "permission", "role", Text("manager"), "billing.manage"},
      {"billing_customers", "provider", "customer_id", Text("cus_spare"), "lemon-squeezy"},
      {"subscriptions", "status", "id", Text(a.subscription), "trialing"},
      {"subscriptions", "billing_provider", "id", Text(a.subscription), "paddle"},
      {"subscription_items", "type", "subscription_id", Text(a.subscription), "per_seat"},
      {"orders", "status", "id", Text(a.order), "failed"},
      {"orders", "billing_provider", "id", Text(a.order), "paddle"},
      {"notifications", "channel", "account_id", Text(a.account), "email"},
      {"config", "billing_provider", "enable_team_accounts", Int(1), "paddle"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.table + "." + c.column);
    const std::string update = "UPDATE " + c.table + " SET " + c.column + " = $1 WHERE " + c.key_column + " = $2";
    EXPECT_TRUE(Refused("22P02", update, {Text("bogus"), c.key}));
    EXPECT_TRUE(Accepted(update, {Text(c.listed), c.key}));
  }
}

// ---- Customers, subscriptions, orders ---------------------------------------------------

TEST_F(SchemaTest, ProviderCustomerBelongsToOneAccount) {
  const Tenant a = CreateTenant("acme");
  const Tenant b = CreateTenant("beta");
  const Row customer{"billing_customers",
                     {{"account_id", Text(b.account)},
                      {"provider", Text("stripe")},
                      {"customer_id", Text(a.customer)}}};
  EXPECT_TRUE(Refused("23505", customer));
  EXPECT_TRUE(Accepted(customer.With("provider", Text("lemon-squeezy"))));
}

TEST_F(SchemaTest, BillingCustomerColumnsAreChecked) {
  const Tenant a = CreateTenant("acme");
  const Tenant b = CreateTenant("beta");
  ExpectColumnRules(
      [&] {
        return Row{"billing_customers",
                   {{"account_id", Text(a.account)},
                    {"provider", Text("stripe")},
                    {"customer_id", Text(Unique("cus_"))}}};
      },
      {{"provider", Text("square"), "22P02", Text("lemon-squeezy")},
       {"provider", Value::Null(), "23502", Text("paddle")},
       {"customer_id", Text(""), "23514", Text("c")},
       {"customer_id", Value::Null(), "23502", Text("d")},
       {"account_id", Text(kNoSuchId), "23503", Text(b.account)},
       {"account_id", Value::Null(), "23502", Text(b.account)}});
}

TEST_F(SchemaTest, SubscriptionColumnsAreChecked) {
  const Tenant a = CreateTenant("acme");
  const Tenant b = CreateTenant("beta");
  auto row = [&] { return SubscriptionRow(a.account, a.customer); };
  ExpectColumnRules(
      row, {{"status", Text("expired"), "22P02", Text("trialing")},
            {"status", Value::Null(), "23502", Text("active")},
            {"billing_provider", Text("square"), "22P02", Text("paddle")},
            // The account has no lemon-squeezy customer with this id.
            {"billing_provider", Text("lemon-squeezy"), "23503", Text("stripe")},
            {"customer_id", Text(b.customer), "23503", Text(a.customer)},
            {"customer_id", Value::Null(), "23502", Text(a.customer)},
            {"account_id", Text(b.account), "23503", Text(a.account)},
            {"currency", Text("us"), "23514", Text("eur")},
            {"currency", Text("usdx"), "23514", Text("gbp")},
            {"period_ends_at", Text(kLongAgo), "23514", Text(kJanuary)},
            {"period_starts_at", Value::Null(), "23502", Text(kJanuary)},
            {"cancel_at_period_end", Int(2), "23514", Value::Bool(true)},
            {"id", Text(""), "23514", Text("s")},
            {"id", Text(a.subscription), "23505", Text("sub_other")}});
  // active must say whether the status is active or trialing.
  EXPECT_TRUE(Refused("23514", row().With("status", Text("canceled"))));
  EXPECT_TRUE(Accepted(row().With("status", Text("canceled")).With("active", Value::Bool(false))));
  EXPECT_TRUE(Refused("23514", row().With("active", Value::Bool(false))));
  // A trial ends after it starts.
  EXPECT_TRUE(Refused("23514", row().With("trial_starts_at", Text(kFebruary)).With("trial_ends_at", Text(kJanuary))));
  EXPECT_TRUE(Accepted(row().With("trial_starts_at", Text(kJanuary)).With("trial_ends_at", Text(kFebruary))));
}

TEST_F(SchemaTest, OrderColumnsAreChecked) {
  const Tenant a = CreateTenant("acme");
  const Tenant b = CreateTenant("beta");
  ExpectColumnRules([&] { return OrderRow(a.account, a.customer); },
                    {{"status", Text("refunded"), "22P02", Text("pending")},
                     {"status", Value::Null(), "23502", Text("failed")},
                     {"billing_provider", Text("square"), "22P02", Text("paddle")},
                     {"billing_provider", Text("lemon-squeezy"), "23503", Text("stripe")},
                     {"customer_id", Text(b.customer), "23503", Text(a.customer)},
                     {"account_id", Text(b.account), "23503", Text(a.account)},
                     {"total_amount", Int(-1), "23514", Int(0)},
                     {"total_amount", Value::Null(), "23502", Int(5)},
                     {"currency", Text("dollars"), "23514", Text("eur")},
                     {"id", Text(""), "23514", Text("o")},
                     {"id", Text(a.order), "23505", Text("ord_other")}});
}

TEST_F(SchemaTest, LineItemColumnsAreChecked) {
  const Tenant a = CreateTenant("acme");
  const Tenant b = CreateTenant("beta");
  ExpectColumnRules([&] { return ChildRow("subscription_items", a.subscription); },
                    {{"type", Text("tiered"), "22P02", Text("metered")},
                     {"type", Value::Null(), "23502", Text("per_seat")},
                     {"price_id", Value::Null(), "23502", Text("price_x")},
                     {"subscription_id", Value::Null(), "23502", Text(b.subscription)},
                     {"quantity", Int(-1), "23514", Int(0)},
                     {"interval_count", Int(0), "23514", Int(1)},
                     {"price_amount", Int(-1), "23514", Int(0)},
                     {"interval", Text("fortnight"), "23514", Text("month")}});
  ExpectColumnRules([&] { return ChildRow("order_items", a.order); },
                    {{"quantity", Int(0), "23514", Int(1)},
                     {"price_amount", Value::Real(-0.5), "23514", Value::Real(0.5)},
                     {"price_id", Value::Null(), "23502", Text("price_y")},
                     {"order_id", Value::Null(), "23502", Text(b.order)}});
  ExpectColumnRules([&] { return ChildRow("subscription_features", a.subscription); },
                    {{"feature_name", Text(" "), "23514", Text("seats")},
                     {"feature_name", Value::Null(), "23502", Text("api")},
                     {"enabled", Int(2), "23514", Value::Null()},
                     {"usage_limit", Int(-1), "23514", Int(0)}});
}

TEST_F(SchemaTest, LineItemIsUniquePerParentAndPrice) {
  const Tenant a = CreateTenant("acme");
  const Tenant b = CreateTenant("beta");
  for (const ChildTable& child : ChildTables()) {
    SCOPED_TRACE(child.table);
    const std::string key = child.table == "subscription_features" ? "feature_name" : "price_id";
    ASSERT_TRUE(Accepted(ChildRow(child.table, child.ParentIn(a)).With(key, Text("twice"))));
    EXPECT_TRUE(Refused("23505", ChildRow(child.table, child.ParentIn(a)).With(key, Text("twice"))));
    EXPECT_TRUE(Accepted(ChildRow(child.table, child.ParentIn(b)).With(key, Text("twice"))));
  }
}

// ---- account_id of line items -----------------------------------------------------------

TEST_F(SchemaTest, LineItemTakesItsParentsAccountId) {
  const Tenant a = CreateTenant("acme");
  const Tenant b = CreateTenant("beta");
  for (const ChildTable& child : ChildTables()) {
    SCOPED_TRACE(child.table);
    for (const Tenant* t : {&a, &b}) {
      // CreateTenant inserted one row under each parent, naming no account_id.
      EXPECT_EQ(TextOf("SELECT account_id FROM " + child.table + " WHERE " + child.parent_column + " = $1",
                       {Text(child.ParentIn(*t))}),
                t->account);
    }
  }
}

TEST_F(SchemaTest, LineItemAccountIdMustBeItsParents) {
  const Tenant a = CreateTenant("acme");
  const Tenant b = CreateTenant("beta");
  for (const ChildTable& child : ChildTables()) {
    SCOPED_TRACE(child.table);
    EXPECT_TRUE(Refused("23503", ChildRow(child.table, child.ParentIn(a)).With("account_id", Text(b.account))));
    EXPECT_TRUE(Accepted(ChildRow(child.table, child.ParentIn(a)).With("account_id", Text(a.account))));
    const std::string set_account =
        "UPDATE " + child.table + " SET account_id = $1 WHERE " + child.parent_column + " = $2";
    EXPECT_TRUE(Refused("23503", set_account, {Text(b.account), Text(child.ParentIn(a))}));
    EXPECT_TRUE(Refused("23502", set_account, {Value::Null(), Text(child.ParentIn(a))}));
    EXPECT_TRUE(Accepted(set_account, {Text(a.account), Text(child.ParentIn(a))}));
  }
}

TEST_F(SchemaTest, LineItemMustNameAnExistingParent) {
  const Tenant a = CreateTenant("acme");
  for (const ChildTable& child : ChildTables()) {
    SCOPED_TRACE(child.table);
    EXPECT_TRUE(Refused("23503", ChildRow(child.table, "ghost")));
    EXPECT_TRUE(Accepted(ChildRow(child.table, child.ParentIn(a))));
  }
}

TEST_F(SchemaTest, LineItemMovesToAnotherAccountsParentOnlyWithItsAccountId) {
  const Tenant a = CreateTenant("acme");
  const Tenant b = CreateTenant("beta");
  for (const ChildTable& child : ChildTables()) {
    SCOPED_TRACE(child.table);
    const std::string move = "UPDATE " + child.table + " SET " + child.parent_column + " = $1";
    const std::string where = " WHERE " + child.parent_column + " = $2";
    const std::vector<Value> params = {Text(child.ParentIn(b)), Text(child.ParentIn(a)), Text(b.account)};
    EXPECT_TRUE(Refused("23503", move + where, {params[0], params[1]}));
    EXPECT_TRUE(Accepted(move + ", account_id = $3" + where, params));
  }
}

// ---- Notifications ----------------------------------------------------------------------

TEST_F(SchemaTest, NotificationColumnsAreChecked) {
  const Tenant a = CreateTenant("acme");
  const Tenant b = CreateTenant("beta");
  ExpectColumnRules([&] { return NotificationRow(a.account); },
                    {{"channel", Text("sms"), "22P02", Text("email")},
                     {"channel", Value::Null(), "23502", Text("in_app")},
                     {"type", Text(" "), "23514", Text("billing_issue")},
                     {"type", Text(std::string(256, 't')), "23514", Text(std::string(255, 't'))},
                     {"body", Text(std::string(5001, 'b')), "23514", Text(std::string(5000, 'b'))},
                     {"link", Text(std::string(256, 'l')), "23514", Text(std::string(255, 'l'))},
                     {"dismissed", Int(2), "23514", Value::Bool(true)},
                     {"metadata", Text("[]"), "23514", Text("{\"invoice\":\"in_1\"}")},
                     {"expires_at", Text(kLongAgo), "23514", Value::Null()},
                     {"account_id", Text(kNoSuchId), "23503", Text(b.account)},
                     {"account_id", Value::Null(), "23502", Text(b.account)}});
}

// ---- Cascades ---------------------------------------------------------------------------

TEST_F(SchemaTest, DeletingAnAccountDeletesEverythingItOwns) {
  const Tenant a = CreateTenant("acme");
  const Tenant b = CreateTenant("beta");
  ASSERT_TRUE(Accepted("DELETE FROM accounts WHERE id = $1", {Text(a.account)}));
  for (const char* table : {"accounts_memberships", "invitations", "notifications", "billing_customers",
                            "subscriptions", "subscription_items", "subscription_features", "orders",
                            "order_items"}) {
    SCOPED_TRACE(table);
    const std::string count = std::string("SELECT count(*) FROM ") + table + " WHERE account_id = $1";
    EXPECT_EQ(Count(count, {Text(a.account)}), 0);
    EXPECT_GT(Count(count, {Text(b.account)}), 0);
  }
  // Its users stay.
  EXPECT_EQ(Count("SELECT count(*) FROM auth_users WHERE id IN ($1, $2)", {Text(a.owner), Text(a.member)}), 2);
}

TEST_F(SchemaTest, DeletingACustomerDeletesItsSubscriptionsAndOrders) {
  const Tenant a = CreateTenant("acme");
  const Tenant b = CreateTenant("beta");
  ASSERT_TRUE(Accepted("DELETE FROM billing_customers WHERE account_id = $1 AND provider = $2",
                       {Text(a.account), Text("stripe")}));
  for (const char* table : {"subscriptions", "subscription_items", "subscription_features", "orders", "order_items"}) {
    SCOPED_TRACE(table);
    const std::string count = std::string("SELECT count(*) FROM ") + table + " WHERE account_id = $1";
    EXPECT_EQ(Count(count, {Text(a.account)}), 0);
    EXPECT_GT(Count(count, {Text(b.account)}), 0);
  }
  EXPECT_EQ(Count("SELECT count(*) FROM billing_customers WHERE account_id = $1", {Text(a.account)}), 1);
}

TEST_F(SchemaTest, DeletingASubscriptionDeletesItsItemsAndFeatures) {
  const Tenant a = CreateTenant("acme");
  const Tenant b = CreateTenant("beta");
  ASSERT_TRUE(Accepted("DELETE FROM subscriptions WHERE id = $1", {Text(a.subscription)}));
  for (const char* table : {"subscription_items", "subscription_features"}) {
    SCOPED_TRACE(table);
    const std::string count = std::string("SELECT count(*) FROM ") + table + " WHERE subscription_id = $1";
    EXPECT_EQ(Count(count, {Text(a.subscription)}), 0);
    EXPECT_EQ(Count(count, {Text(b.subscription)}), 1);
  }
  EXPECT_EQ(Count("SELECT count(*) FROM order_items WHERE order_id = $1", {Text(a.order)}), 1);
}

TEST_F(SchemaTest, DeletingAnOrderDeletesItsItems) {
  const Tenant a = CreateTenant("acme");
  const Tenant b = CreateTenant("beta");
  ASSERT_TRUE(Accepted("DELETE FROM orders WHERE id = $1", {Text(a.order)}));
  EXPECT_EQ(Count("SELECT count(*) FROM order_items WHERE order_id = $1", {Text(a.order)}), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM order_items WHERE order_id = $1", {Text(b.order)}), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM subscription_items WHERE subscription_id = $1", {Text(a.subscription)}), 1);
}

}  // namespace
}  // namespace tb::store
