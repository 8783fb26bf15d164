// The row-level security of storage.buckets and storage.objects (migrations/sqlite/
// 0016_storage.sql), applied the way the data API applies policies (api/rest/tables.cpp)
// and a storage API must: reads and the rows an update or delete may touch are filtered
// by PolicySet::Using (the command's AND the SELECT ones); every row written must pass
// PolicySet::Check, proposed before the write and as stored after it.
#include <gtest/gtest.h>

#include <cctype>

#include "policy/policy_set.h"
#include "support/migrated_store.h"

namespace tb::policy {
namespace {

using store::Access;
using store::RequestContext;
using store::Value;

constexpr char kObjects[] = "storage_objects";

Error RlsViolation() {
  Error e = Error::Make(ErrorCode::kPermissionDenied, "new row violates row-level security policy for table \"objects\"");
  e.sqlstate = "42501";
  return e;
}

// "(a) AND (b)" of the optional predicates; nullopt when neither restricts.
std::optional<std::string> Both(const std::optional<std::string>& a, const std::optional<std::string>& b) {
  if (!a && !b) return std::nullopt;
  return "(" + a.value_or("1") + ") AND (" + b.value_or("1") + ")";
}

class StoragePoliciesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    alice_ = CreateUser("alice@example.com");
    bob_ = CreateUser("bob@example.com");
    carol_ = CreateUser("carol@example.com");
    team_ = CreateTeam(alice_, "acme");
    AddMember(team_, alice_, "owner");  // owner: holds settings.manage
    AddMember(team_, bob_, "member");   // member: does not
    other_team_ = CreateTeam(carol_, "globex");
    AddMember(other_team_, carol_, "owner");
    ASSERT_TRUE(db_.Exec("INSERT INTO storage_buckets (id, name) VALUES ('your_files', 'your_files')").ok());
    auto txn = db_.store().Begin(Access::kRead);
    ASSERT_TRUE(txn.ok());
    auto set = PolicySet::Load(**txn);
    ASSERT_TRUE(set.ok()) << Describe(set.error());
    policies_ = *set;
  }

  std::string CreateUser(const std::string& email) {
    EXPECT_TRUE(db_.Exec("INSERT INTO auth_users (email) VALUES ($1)", {Value::Text(email)}).ok());
    return db_.Scalar("SELECT id FROM auth_users WHERE email = $1", {Value::Text(email)}).as_text();
  }
  std::string CreateTeam(const std::string& owner, const std::string& slug) {
    EXPECT_TRUE(db_.Exec("INSERT INTO accounts (primary_owner_user_id, name, slug) VALUES ($1, $2, $2)",
                         {Value::Text(owner), Value::Text(slug)})
                    .ok());
    return db_.Scalar("SELECT id FROM accounts WHERE slug = $1", {Value::Text(slug)}).as_text();
  }
  void AddMember(const std::string& account, const std::string& user, const std::string& role) {
    EXPECT_TRUE(db_.Exec("INSERT INTO accounts_memberships (user_id, account_id, account_role) VALUES ($1, $2, $3)",
                         {Value::Text(user), Value::Text(account), Value::Text(role)})
                    .ok());
  }

  static RequestContext User(const std::string& id) { return RequestContext{"authenticated", id, "{}"}; }
  static RequestContext Anon() { return RequestContext{"anon", "", ""}; }
  static RequestContext ServiceRole() { return RequestContext{"service_role", "", ""}; }

  // Stores object `name` in `bucket` as `as`: 42501 when the INSERT policies refuse it.
  Status Upload(const RequestContext& as, const std::string& bucket, const std::string& name) {
    auto txn = db_.store().Begin(Access::kWrite, as);
    if (!txn) return std::move(txn).error();
    const auto check = policies_->Check(kObjects, as.role, Command::kInsert);
    // The proposed row, every column named as in the table, defaults where none is given.
    const std::string proposed =
        "SELECT gen_random_uuid() AS id, $1 AS bucket_id, $2 AS name, NULL AS owner, NULL AS owner_id, "
        "NULL AS metadata, NULL AS user_metadata, NULL AS version, now() AS created_at, now() AS updated_at, "
        "now() AS last_accessed_at";
    const Value params[] = {Value::Text(bucket), Value::Text(name)};
    if (check) {
      auto refused = (*txn)->Query(
          "SELECT count(*) FROM (" + proposed + ") AS \"storage_objects\" WHERE NOT coalesce((" + *check + "), 0)", params);
      if (!refused) return std::move(refused).error();
      if (refused->rows[0][0].as_int() > 0) return RlsViolation();
    }
    auto inserted = (*txn)->Query("INSERT INTO storage_objects (bucket_id, name) VALUES ($1, $2) RETURNING rowid", params);
    if (!inserted) return std::move(inserted).error();
    if (Status s = CheckStored(**txn, check, inserted->rows[0][0].as_int()); !s) return s;
    return (*txn)->Commit();
  }

  // Renames object `from` to `to` in `bucket` as `as`; the number of objects renamed.
  Result<int64_t> Rename(const RequestContext& as, const std::string& bucket, const std::string& from,
                         const std::string& to) {
    auto txn = db_.store().Begin(Access::kWrite, as);
    if (!txn) return std::move(txn).error();
    const auto rows = Both(policies_->Using(kObjects, as.role, Command::kUpdate),
                          policies_->Using(kObjects, as.role, Command::kSelect));
    const Value params[] = {Value::Text(bucket), Value::Text(from)};
    auto targets = (*txn)->Query(
        "SELECT rowid FROM storage_objects WHERE bucket_id = $1 AND name = $2 AND " + rows.value_or("1"), params);
    if (!targets) return std::move(targets).error();
    const auto check = policies_->Check(kObjects, as.role, Command::kUpdate);
    for (const auto& target : targets->rows) {
      if (check) {
        const Value proposed[] = {Value::Text(to), target[0]};
        auto refused = (*txn)->Query(
            "SELECT count(*) FROM (SELECT id, bucket_id, $1 AS name, owner, owner_id, metadata, user_metadata, version, "
            "created_at, updated_at, last_accessed_at FROM storage_objects WHERE rowid = $2) AS \"storage_objects\" "
            "WHERE NOT coalesce((" + *check + "), 0)",
            proposed);
        if (!refused) return std::move(refused).error();
        if (refused->rows[0][0].as_int() > 0) return RlsViolation();
      }
      const Value update[] = {Value::Text(to), target[0]};
      auto done = (*txn)->Execute("UPDATE storage_objects SET name = $1 WHERE rowid = $2", update);
      if (!done) return std::move(done).error();
      if (Status s = CheckStored(**txn, check, target[0].as_int()); !s) return std::move(s).error();
    }
    if (Status s = (*txn)->Commit(); !s) return std::move(s).error();
    return static_cast<int64_t>(targets->rows.size());
  }

  // Deletes object `name` of `bucket` as `as`; the number of objects deleted.
  Result<int64_t> Remove(const RequestContext& as, const std::string& bucket, const std::string& name) {
    auto txn = db_.store().Begin(Access::kWrite, as);
    if (!txn) return std::move(txn).error();
    const auto rows = Both(policies_->Using(kObjects, as.role, Command::kDelete),
                          policies_->Using(kObjects, as.role, Command::kSelect));
    const Value params[] = {Value::Text(bucket), Value::Text(name)};
    auto deleted = (*txn)->Execute(
        "DELETE FROM storage_objects WHERE bucket_id = $1 AND name = $2 AND " + rows.value_or("1"), params);
    if (!deleted) return std::move(deleted).error();
    if (Status s = (*txn)->Commit(); !s) return std::move(s).error();
    return deleted;
  }

  // How many rows of `table` (of `bucket`, for objects) `as` may read.
  int64_t Visible(const RequestContext& as, const std::string& table, const std::string& bucket = "") {
    const auto policy = policies_->Using(table, as.role, Command::kSelect);
    auto txn = db_.store().Begin(Access::kRead, as);
    EXPECT_TRUE(txn.ok());
    std::string sql = "SELECT count(*) FROM \"" + table + "\" WHERE " + policy.value_or("1");
    std::vector<Value> params;
    if (!bucket.empty()) {
      sql += " AND bucket_id = $1";
      params.push_back(Value::Text(bucket));
    }
    auto rows = (*txn)->Query(sql, params);
    EXPECT_TRUE(rows.ok()) << Describe(rows.error());
    return rows.ok() ? rows->rows[0][0].as_int() : -1;
  }

  // Whether `name` sits in `bucket` (read as the server).
  bool Stored(const std::string& bucket, const std::string& name) {
    return db_.Scalar("SELECT count(*) FROM storage_objects WHERE bucket_id = $1 AND name = $2",
                      {Value::Text(bucket), Value::Text(name)})
               .as_int() == 1;
  }

  static ::testing::AssertionResult RefusedWith(const Status& s, std::string_view sqlstate) {
    if (s.ok()) return ::testing::AssertionFailure() << "accepted";
    if (s.error().sqlstate != sqlstate) {
      return ::testing::AssertionFailure() << "expected " << sqlstate << ", got " << Describe(s.error());
    }
    return ::testing::AssertionSuccess();
  }

  testing::MigratedStore db_;
  std::shared_ptr<const PolicySet> policies_;
  std::string alice_, bob_, carol_, team_, other_team_;

 private:
  // The row as stored (after the triggers) must still pass `check`.
  Status CheckStored(store::Transaction& txn, const std::optional<std::string>& check, int64_t rowid) {
    if (!check) return Ok();
    const Value id[] = {Value::Int(rowid)};
    auto refused =
        txn.Query("SELECT count(*) FROM storage_objects WHERE rowid = $1 AND NOT coalesce((" + *check + "), 0)", id);
    if (!refused) return std::move(refused).error();
    return refused->rows[0][0].as_int() > 0 ? Status(RlsViolation()) : Ok();
  }
};

TEST_F(StoragePoliciesTest, BothTablesHaveRowLevelSecurity) {
  EXPECT_TRUE(policies_->RlsEnabled("storage_buckets"));
  EXPECT_TRUE(policies_->RlsEnabled(kObjects));
  EXPECT_EQ(db_.Scalar("SELECT group_concat(policy_name, ' ') FROM (SELECT policy_name FROM kit_policies "
                       "WHERE table_name LIKE 'storage\\_%' ESCAPE '\\' ORDER BY table_name, policy_name)")
                .as_text(),
            "buckets_read account_image_delete account_image_insert account_image_read account_image_update");
  // The policies call the storage helpers as SQLite functions.
  const auto check = policies_->Check(kObjects, "authenticated", Command::kInsert);
  ASSERT_TRUE(check.has_value());
  EXPECT_NE(check->find("pg_array_get(storage_foldername(\"name\"), 1)"), std::string::npos) << *check;
  EXPECT_FALSE(policies_->Using(kObjects, "service_role", Command::kDelete).has_value());
}

TEST_F(StoragePoliciesTest, UsersUploadIntoTheirOwnFolder) {
  EXPECT_TRUE(Upload(User(alice_), "account_image", alice_ + "/avatar.png").ok());
  EXPECT_TRUE(Upload(User(alice_), "account_image", alice_ + "/nested/deeper/avatar.png").ok());
  EXPECT_TRUE(Upload(User(bob_), "account_image", bob_ + "/avatar.png").ok());
  EXPECT_TRUE(Stored("account_image", alice_ + "/avatar.png"));
  EXPECT_EQ(db_.Scalar("SELECT owner FROM storage_objects WHERE name = $1", {Value::Text(alice_ + "/avatar.png")})
                .as_text(),
            alice_);
}

TEST_F(StoragePoliciesTest, TeamFoldersNeedSettingsManage) {
  EXPECT_TRUE(Upload(User(alice_), "account_image", team_ + "/logo.png").ok()) << "owner role: settings.manage";
  EXPECT_TRUE(RefusedWith(Upload(User(bob_), "account_image", team_ + "/logo2.png"), "42501"))
      << "member role: no settings.manage";
  EXPECT_TRUE(RefusedWith(Upload(User(alice_), "account_image", other_team_ + "/logo.png"), "42501"))
      << "not a member";
  EXPECT_TRUE(Upload(User(carol_), "account_image", other_team_ + "/logo.png").ok());
  // Granting the member role settings.manage lets bob in.
  ASSERT_TRUE(db_.Exec("INSERT INTO role_permissions (role, permission) VALUES ('member', 'settings.manage')").ok());
  EXPECT_TRUE(Upload(User(bob_), "account_image", team_ + "/logo2.png").ok());
}

TEST_F(StoragePoliciesTest, NoUploadsIntoAnotherAccountsFolder) {
  for (const std::string& name : std::vector<std::string>{
           bob_ + "/avatar.png",                         // another user's personal account
           bob_ + "/" + alice_ + "/avatar.png",          // the first folder is what counts
           bob_ + "/../" + alice_ + "/avatar.png",       // however the rest reads
           "x/" + alice_ + "/avatar.png",
           alice_ + ".png",                              // no folder at all
           "avatar.png",
           "not-a-uuid/avatar.png",                      // no uuid: matches nothing, fails nothing
           "/" + alice_ + "/avatar.png",                 // an empty first folder (also no valid name)
           "{" + alice_ + "}/avatar.png",                // PostgreSQL would read these as alice's id;
           [&] {                                         // SQLite compares the text: refused (safe)
             std::string upper = alice_;
             for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
             return upper + "/avatar.png";
           }(),
       }) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(RefusedWith(Upload(User(alice_), "account_image", name), "42501"));
    EXPECT_FALSE(Stored("account_image", name));
  }
  // Another bucket: no policy lets a user in, even under their own folder.
  EXPECT_TRUE(RefusedWith(Upload(User(alice_), "your_files", alice_ + "/doc.pdf"), "42501"));
  EXPECT_TRUE(RefusedWith(Upload(User(alice_), "nowhere", alice_ + "/doc.pdf"), "42501"))
      << "the policy refuses before the foreign key is checked";
  // anon uploads nothing.
  EXPECT_TRUE(RefusedWith(Upload(Anon(), "account_image", alice_ + "/anon.png"), "42501"));
  // service_role bypasses the policies; the table's own rules still hold.
  EXPECT_TRUE(Upload(ServiceRole(), "your_files", "anything/at/all.bin").ok());
  EXPECT_TRUE(RefusedWith(Upload(ServiceRole(), "your_files", alice_ + "/../x.bin"), "23514"));
  EXPECT_TRUE(RefusedWith(Upload(ServiceRole(), "nowhere", "x.bin"), "23503"));
}

TEST_F(StoragePoliciesTest, SignedInUsersListAccountImagesOnly) {
  ASSERT_TRUE(Upload(User(alice_), "account_image", alice_ + "/a.png").ok());
  ASSERT_TRUE(Upload(User(carol_), "account_image", carol_ + "/c.png").ok());
  ASSERT_TRUE(Upload(ServiceRole(), "your_files", alice_ + "/private.pdf").ok());
  EXPECT_EQ(Visible(User(bob_), kObjects), 2) << "every account image, nothing of your_files";
  EXPECT_EQ(Visible(User(bob_), kObjects, "your_files"), 0);
  EXPECT_EQ(Visible(User(alice_), kObjects, "your_files"), 0) << "not even under their own folder";
  EXPECT_EQ(Visible(Anon(), kObjects), 0) << "public downloads do not go through the table";
  EXPECT_EQ(Visible(ServiceRole(), kObjects), 3);
  // Buckets: signed-in users read them; nobody but service_role writes them.
  EXPECT_EQ(Visible(User(bob_), "storage_buckets"), 2);
  EXPECT_EQ(Visible(Anon(), "storage_buckets"), 0);
  for (Command command : {Command::kInsert, Command::kUpdate}) {
    EXPECT_EQ(policies_->Check("storage_buckets", "authenticated", command), "0");
  }
  EXPECT_EQ(policies_->Using("storage_buckets", "authenticated", Command::kDelete), "0");
}

TEST_F(StoragePoliciesTest, UpdatesStayInsideFoldersTheCallerManages) {
  ASSERT_TRUE(Upload(User(alice_), "account_image", alice_ + "/a.png").ok());
  ASSERT_TRUE(Upload(User(alice_), "account_image", team_ + "/logo.png").ok());
  // Moving within one's own folders, or between them.
  auto renamed = Rename(User(alice_), "account_image", alice_ + "/a.png", alice_ + "/b.png");
  ASSERT_TRUE(renamed.ok()) << Describe(renamed.error());
  EXPECT_EQ(*renamed, 1);
  renamed = Rename(User(alice_), "account_image", alice_ + "/b.png", team_ + "/b.png");
  ASSERT_TRUE(renamed.ok()) << Describe(renamed.error());
  EXPECT_EQ(*renamed, 1);
  // Not into someone else's: the WITH CHECK refuses the new name.
  auto moved = Rename(User(alice_), "account_image", team_ + "/b.png", bob_ + "/b.png");
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.error().sqlstate, "42501");
  EXPECT_TRUE(Stored("account_image", team_ + "/b.png"));
  // Others' objects are not there to update: bob is a member of the team without
  // settings.manage; carol is not a member.
  for (const std::string& user : {bob_, carol_}) {
    auto other = Rename(User(user), "account_image", team_ + "/logo.png", user + "/logo.png");
    ASSERT_TRUE(other.ok()) << Describe(other.error());
    EXPECT_EQ(*other, 0);
  }
  EXPECT_TRUE(Stored("account_image", team_ + "/logo.png"));
}

TEST_F(StoragePoliciesTest, DeletesOnlyInFoldersTheCallerManages) {
  ASSERT_TRUE(Upload(User(alice_), "account_image", alice_ + "/a.png").ok());
  ASSERT_TRUE(Upload(User(alice_), "account_image", team_ + "/logo.png").ok());
  ASSERT_TRUE(Upload(ServiceRole(), "your_files", alice_ + "/private.pdf").ok());
  for (const std::string& user : {bob_, carol_}) {
    EXPECT_EQ(*Remove(User(user), "account_image", alice_ + "/a.png"), 0);
    EXPECT_EQ(*Remove(User(user), "account_image", team_ + "/logo.png"), 0);
  }
  EXPECT_EQ(*Remove(Anon(), "account_image", alice_ + "/a.png"), 0);
  EXPECT_EQ(*Remove(User(alice_), "your_files", alice_ + "/private.pdf"), 0) << "another bucket";
  EXPECT_EQ(*Remove(User(alice_), "account_image", alice_ + "/a.png"), 1);
  EXPECT_EQ(*Remove(User(alice_), "account_image", team_ + "/logo.png"), 1);
  EXPECT_TRUE(Stored("your_files", alice_ + "/private.pdf"));
}

}  // namespace
}  // namespace tb::policy
