// store/schema_test.h
//
// The fixture the schema tests share (schema_accounts_test.cpp, schema_billing_test.cpp,
// schema_auth_test.cpp): a freshly migrated SQLite store, helpers that make the rows most
// tests need, and assertions that a write is refused with a given SQLSTATE or accepted.
// Every refusal a test checks is paired with the nearest write that succeeds, so that no
// test can pass merely because everything fails.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/migrated_store.h"

namespace tb::store {

// Timestamps in the stored form (base/clock.h), in time order.
inline constexpr char kLongAgo[] = "2000-01-01T00:00:00.000000+00:00";
inline constexpr char kJanuary[] = "2030-01-01T00:00:00.000000+00:00";
inline constexpr char kFebruary[] = "2030-02-01T00:00:00.000000+00:00";
inline constexpr char kFarFuture[] = "2999-01-01T00:00:00.000000+00:00";
// A well-formed id that names no row.
inline constexpr char kNoSuchId[] = "00000000-0000-4000-8000-000000000000";

inline Value Text(std::string s) { return Value::Text(std::move(s)); }
inline Value Int(int64_t i) { return Value::Int(i); }

// One row to insert: its table, then its columns and their values in order.
struct Row {
  std::string table;
  std::vector<std::pair<std::string, Value>> values;

  // This row with `column` set to `value` (replacing the column's value if it has one).
  Row With(const std::string& column, Value value) const {
    Row row = *this;
    for (auto& [name, v] : row.values) {
      if (name == column) {
        v = std::move(value);
        return row;
      }
    }
    row.values.emplace_back(column, std::move(value));
    return row;
  }
};

// One value a column must refuse (with `sqlstate`), and the nearest value it accepts.
struct ColumnRule {
  std::string column;
  Value refused;
  std::string sqlstate;
  Value accepted;
};

// A team account with everything that can hang off it: an owner (also a member with the
// owner role), a member, an invitation, a notification, a stripe and a paddle customer
// (both with id `customer`), a subscription with one item and one feature, and an order
// with one item.
struct Tenant {
  std::string owner;
  std::string member;
  std::string account;
  std::string customer;
  std::string subscription;
  std::string order;
};

class SchemaTest : public ::testing::Test {
 protected:
  // Holds when `sql` fails with `sqlstate`; otherwise says what happened instead.
  ::testing::AssertionResult Refused(std::string_view sqlstate, std::string_view sql,
                                     std::vector<Value> params = {}) {
    auto done = db_.Exec(sql, std::move(params), as_);
    if (done.ok()) return ::testing::AssertionFailure() << "accepted: " << sql;
    if (done.error().sqlstate != sqlstate) {
      return ::testing::AssertionFailure() << "expected " << sqlstate << ", got "
                                           << done.error().sqlstate << " ("
                                           << Describe(done.error()) << ")";
    }
    return ::testing::AssertionSuccess();
  }

  // Holds when `sql` succeeds and changes at least one row.
  ::testing::AssertionResult Accepted(std::string_view sql, std::vector<Value> params = {}) {
    auto done = db_.Exec(sql, std::move(params), as_);
    if (!done.ok()) return ::testing::AssertionFailure() << Describe(done.error());
    if (*done == 0) return ::testing::AssertionFailure() << "changed no row: " << sql;
    return ::testing::AssertionSuccess();
  }

  ::testing::AssertionResult Refused(std::string_view sqlstate, const Row& row) {
    return Refused(sqlstate, InsertSql(row), Params(row));
  }
  ::testing::AssertionResult Accepted(const Row& row) { return Accepted(InsertSql(row), Params(row)); }

  // For each rule: a fresh make_row() with the refused value fails with the rule's
  // SQLSTATE, and another fresh make_row() with the accepted value is inserted.
  void ExpectColumnRules(const std::function<Row()>& make_row, const std::vector<ColumnRule>& rules) {
    for (const ColumnRule& rule : rules) {
      SCOPED_TRACE(rule.column + " = " + rule.refused.DebugString());
      EXPECT_TRUE(Refused(rule.sqlstate, make_row().With(rule.column, rule.refused)));
      EXPECT_TRUE(Accepted(make_row().With(rule.column, rule.accepted)));
    }
  }

  // The integer a one-value query returns; -1 (and a test failure) if it returns none.
  int64_t Count(std::string_view sql, std::vector<Value> params = {}) {
    Value v = db_.Scalar(sql, std::move(params));
    return v.is_null() ? -1 : v.as_int();
  }

  // The text a one-value query returns; "NULL" for a NULL.
  std::string TextOf(std::string_view sql, std::vector<Value> params = {}) {
    Value v = db_.Scalar(sql, std::move(params));
    return v.is_null() ? "NULL" : v.as_text();
  }

  // `prefix` followed by a number this fixture has not handed out before.
  std::string Unique(std::string_view prefix) { return std::string(prefix) + std::to_string(++serial_); }

  // A user, and with it (auth_users_create_personal_account) their personal account.
  std::string CreateUser(const std::string& email) {
    EXPECT_TRUE(Accepted("INSERT INTO auth_users (email) VALUES ($1)", {Text(email)}));
    return TextOf("SELECT id FROM auth_users WHERE email = $1", {Text(email)});
  }

  // Holds when `user` has their personal account: id and owner are the user's, no slug.
  ::testing::AssertionResult HasPersonalAccount(const std::string& user) {
    const int64_t found = Count(
        "SELECT count(*) FROM accounts WHERE id = $1 AND primary_owner_user_id = $1 AND "
        "is_personal_account = 1 AND slug IS NULL",
        {Text(user)});
    if (found != 1) return ::testing::AssertionFailure() << "no personal account for " << user;
    return ::testing::AssertionSuccess();
  }

  // Deletes the personal account sign-up created, for tests that insert one by hand (or
  // need its id free) to prove what the accounts table refuses on INSERT.
  void DeletePersonalAccount(const std::string& user) {
    EXPECT_TRUE(Accepted("DELETE FROM accounts WHERE id = $1 AND is_personal_account = 1", {Text(user)}));
  }

  // A team owned by `owner`, who also created it; returns the account id.
  std::string CreateTeam(const std::string& owner, const std::string& slug) {
    EXPECT_TRUE(Accepted(TeamRow(owner, slug)));
    return TextOf("SELECT id FROM accounts WHERE slug = $1", {Text(slug)});
  }

  // A role between the seed's owner (1) and member (2), as the seed's own example adds it.
  void CreateManagerRole() {
    EXPECT_TRUE(Accepted("INSERT INTO roles (name, hierarchy_level) VALUES ($1, $2)",
                         {Text("manager"), Value::Real(1.5)}));
  }

  void AddMember(const std::string& account, const std::string& user, const std::string& role = "member") {
    EXPECT_TRUE(Accepted(MembershipRow(account, user).With("account_role", Text(role))));
  }

  void Invite(const std::string& account, const std::string& inviter, const std::string& email) {
    EXPECT_TRUE(Accepted(InvitationRow(account, inviter).With("email", Text(email))));
  }

  void CreateCustomer(const std::string& account, const std::string& customer,
                      const std::string& provider = "stripe") {
    EXPECT_TRUE(Accepted(Row{"billing_customers",
                             {{"account_id", Text(account)},
                              {"provider", Text(provider)},
                              {"customer_id", Text(customer)}}}));
  }

  void CreateSubscription(const std::string& account, const std::string& customer, const std::string& id) {
    EXPECT_TRUE(Accepted(SubscriptionRow(account, customer).With("id", Text(id))));
  }

  void CreateOrder(const std::string& account, const std::string& customer, const std::string& id) {
    EXPECT_TRUE(Accepted(OrderRow(account, customer).With("id", Text(id))));
  }

  Tenant CreateTenant(const std::string& slug) {
    Tenant t;
    t.owner = CreateUser(slug + "-owner@example.com");
    t.member = CreateUser(slug + "-member@example.com");
    t.account = CreateTeam(t.owner, slug);
    AddMember(t.account, t.owner, "owner");
    AddMember(t.account, t.member);
    Invite(t.account, t.owner, slug + "-guest@example.com");
    EXPECT_TRUE(Accepted(NotificationRow(t.account)));
    t.customer = "cus_" + slug;
    CreateCustomer(t.account, t.customer);
    CreateCustomer(t.account, t.customer, "paddle");
    t.subscription = "sub_" + slug;
    CreateSubscription(t.account, t.customer, t.subscription);
    EXPECT_TRUE(Accepted(ChildRow("subscription_items", t.subscription)));
    EXPECT_TRUE(Accepted(ChildRow("subscription_features", t.subscription)));
    t.order = "ord_" + slug;
    CreateOrder(t.account, t.customer, t.order);
    EXPECT_TRUE(Accepted(ChildRow("order_items", t.order)));
    return t;
  }

  // Rows that satisfy every constraint; tests vary one column with Row::With.
  Row UserRow() { return Row{"auth_users", {{"email", Text(Unique("user") + "@example.com")}}}; }
  // Sign-up already made this row for every user; insert it only after DeletePersonalAccount.
  Row PersonalAccountRow(const std::string& user) {
    return Row{"accounts",
               {{"id", Text(user)},
                {"primary_owner_user_id", Text(user)},
                {"name", Text("Personal")},
                {"is_personal_account", Value::Bool(true)}}};
  }
  Row TeamRow(const std::string& owner, const std::string& slug) {
    return Row{"accounts",
               {{"primary_owner_user_id", Text(owner)},
                {"name", Text("Team " + slug)},
                {"slug", Text(slug)},
                {"created_by", Text(owner)},
                {"updated_by", Text(owner)}}};
  }
  Row MembershipRow(const std::string& account, const std::string& user) {
    return Row{"accounts_memberships",
               {{"user_id", Text(user)}, {"account_id", Text(account)}, {"account_role", Text("member")}}};
  }
  Row InvitationRow(const std::string& account, const std::string& inviter) {
    return Row{"invitations",
               {{"email", Text(Unique("guest") + "@example.com")},
                {"account_id", Text(account)},
                {"invited_by", Text(inviter)},
                {"role", Text("member")},
                {"invite_token", Text(Unique("token-"))}}};
  }
  Row SubscriptionRow(const std::string& account, const std::string& customer) {
    return Row{"subscriptions",
               {{"id", Text(Unique("sub_"))},
                {"account_id", Text(account)},
                {"customer_id", Text(customer)},
                {"status", Text("active")},
                {"active", Value::Bool(true)},
                {"billing_provider", Text("stripe")},
                {"currency", Text("usd")},
                {"period_starts_at", Text(kJanuary)},
                {"period_ends_at", Text(kFebruary)}}};
  }
  Row OrderRow(const std::string& account, const std::string& customer) {
    return Row{"orders",
               {{"id", Text(Unique("ord_"))},
                {"account_id", Text(account)},
                {"customer_id", Text(customer)},
                {"status", Text("succeeded")},
                {"billing_provider", Text("stripe")},
                {"total_amount", Int(1000)},
                {"currency", Text("usd")}}};
  }
  // A row of subscription_items, subscription_features or order_items under `parent`,
  // without account_id (the *_fill_account_id triggers copy it from the parent).
  Row ChildRow(const std::string& table, const std::string& parent) {
    if (table == "subscription_items") {
      return Row{table,
                 {{"subscription_id", Text(parent)}, {"price_id", Text(Unique("price_"))}, {"type", Text("flat")}}};
    }
    if (table == "subscription_features") {
      return Row{table, {{"subscription_id", Text(parent)}, {"feature_name", Text(Unique("feature-"))}}};
    }
    return Row{table, {{"order_id", Text(parent)}, {"price_id", Text(Unique("price_"))}}};
  }
  Row NotificationRow(const std::string& account) {
    return Row{"notifications", {{"account_id", Text(account)}, {"body", Text("hello")}}};
  }

  testing::MigratedStore db_;
  // Who Refused / Accepted write as: the server unless a test says otherwise (the audit
  // triggers record auth_uid() as created_by / updated_by).
  store::RequestContext as_;

 private:
  static std::string InsertSql(const Row& row) {
    std::string columns;
    std::string placeholders;
    for (size_t i = 0; i < row.values.size(); ++i) {
      if (i > 0) {
        columns += ", ";
        placeholders += ", ";
      }
      columns += row.values[i].first;
      placeholders += "$" + std::to_string(i + 1);
    }
    return "INSERT INTO " + row.table + " (" + columns + ") VALUES (" + placeholders + ")";
  }
  static std::vector<Value> Params(const Row& row) {
    std::vector<Value> params;
    for (const auto& [name, value] : row.values) params.push_back(value);
    return params;
  }

  int serial_ = 0;
};

}  // namespace tb::store
