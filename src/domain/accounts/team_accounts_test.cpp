#include "domain/accounts/team_accounts.h"

#include <gtest/gtest.h>

#include "support/migrated_store.h"

namespace tb::accounts {
namespace {

using store::Access;
using store::RequestContext;
using store::Value;

TEST(Slugify, LowerCaseAsciiWithSingleDashes) {
  EXPECT_EQ(Slugify("Acme, Inc."), "acme-inc");
  EXPECT_EQ(Slugify("  Hello   World  "), "hello-world");
  EXPECT_EQ(Slugify("Team 42"), "team-42");
  EXPECT_EQ(Slugify("--x--"), "x");
  EXPECT_EQ(Slugify("Ünïcode"), "n-code");
  EXPECT_EQ(Slugify("!!!"), "team");
  EXPECT_EQ(Slugify(""), "team");
  EXPECT_LE(Slugify(std::string(500, 'a')).size(), 200u);
}

class TeamAccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db_.Exec("INSERT INTO auth_users (id, email) VALUES ($1, 'u@example.com')", {Value::Text(kUser)}).ok());
  }

  Result<store::Rows> Create(std::string_view name) {
    auto txn = db_.store().Begin(Access::kWrite, RequestContext{"authenticated", kUser, "{}"});
    if (!txn) return std::move(txn).error();
    auto rows = CreateTeamAccount(**txn, kUser, name);
    if (rows) {
      if (Status s = (*txn)->Commit(); !s) return std::move(s).error();
    }
    return rows;
  }

  static constexpr const char* kUser = "00000000-0000-4000-8000-000000000001";
  testing::MigratedStore db_;
};

TEST_F(TeamAccountsTest, CreatesTheAccountAndTheOwnerMembershipTogether) {
  auto rows = Create("Acme");
  ASSERT_TRUE(rows.ok()) << Describe(rows.error());
  const auto& row = rows->rows.at(0);
  EXPECT_EQ(row[rows->ColumnIndex("slug")].as_text(), "acme");
  EXPECT_EQ(row[rows->ColumnIndex("primary_owner_user_id")].as_text(), kUser);
  EXPECT_EQ(db_.Query("SELECT account_role FROM accounts_memberships WHERE account_id = $1",
                      {row[rows->ColumnIndex("id")]})
                ->rows.at(0)
                .at(0)
                .as_text(),
            "owner");
  auto second = Create("ACME");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->rows[0][second->ColumnIndex("slug")].as_text(), "acme-2");
}

TEST_F(TeamAccountsTest, RefusesWhenDisabledOrUnnamedOrAnonymous) {
  ASSERT_TRUE(db_.Exec("UPDATE config SET enable_team_accounts = 0").ok());
  auto off = Create("Acme");
  ASSERT_FALSE(off.ok());
  EXPECT_EQ(off.error().sqlstate, "P0001");
  ASSERT_TRUE(db_.Exec("UPDATE config SET enable_team_accounts = 1").ok());
  auto unnamed = Create(" ");
  ASSERT_FALSE(unnamed.ok());
  EXPECT_EQ(unnamed.error().sqlstate, "22023");
  auto txn = db_.store().Begin(Access::kWrite);
  ASSERT_TRUE(txn.ok());
  EXPECT_FALSE(CreateTeamAccount(**txn, "", "Acme").ok());
  EXPECT_EQ(db_.Query("SELECT count(*) FROM accounts WHERE is_personal_account = 0")->rows[0][0].as_int(), 0);
}

}  // namespace
}  // namespace tb::accounts
