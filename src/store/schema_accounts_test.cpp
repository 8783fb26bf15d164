// Proves the constraints of the core schema's auth, accounts, roles, invitations, tokens,
// super-admin and config tables (migrations/sqlite/0002, 0003, 0006): each by a write that
// must fail with its SQLSTATE next to the nearest write that succeeds, or by a delete
// that must cascade. Billing and notifications are in schema_billing_test.cpp; sessions,
// MFA and the personal account made on sign-up (0007) in schema_auth_test.cpp.
#include <string>

#include "store/schema_test.h"

namespace tb::store {
namespace {

// ---- Seed rows --------------------------------------------------------------------------

TEST_F(SchemaTest, SeedRolesAreOwnerAtOneAndMemberAtTwo) {
  EXPECT_EQ(Count("SELECT count(*) FROM roles"), 2);
  EXPECT_EQ(Count("SELECT hierarchy_level FROM roles WHERE name = $1", {Text("owner")}), 1);
  EXPECT_EQ(Count("SELECT hierarchy_level FROM roles WHERE name = $1", {Text("member")}), 2);
}

TEST_F(SchemaTest, SeedOwnerHasEveryPermissionAndMemberManagesMembersAndInvites) {
  const std::string kPermissions =
      "SELECT group_concat(permission, ',') FROM "
      "(SELECT permission FROM role_permissions WHERE role = $1 ORDER BY permission)";
  EXPECT_EQ(TextOf(kPermissions, {Text("owner")}),
            "billing.manage,invites.manage,members.manage,roles.manage,settings.manage");
  EXPECT_EQ(TextOf(kPermissions, {Text("member")}), "invites.manage,members.manage");
  EXPECT_EQ(Count("SELECT count(*) FROM kit_enum_values WHERE type_name = $1", {Text("app_permissions")}), 5);
}

TEST_F(SchemaTest, SeedConfigIsOneRowWithEveryFeatureEnabled) {
  EXPECT_EQ(Count("SELECT count(*) FROM config"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM config WHERE enable_team_accounts = 1 AND "
                  "enable_account_billing = 1 AND enable_team_account_billing = 1"),
            1);
}

// ---- Config -----------------------------------------------------------------------------

TEST_F(SchemaTest, ConfigKeepsExactlyOneRow) {
  EXPECT_TRUE(Refused("23505", "INSERT INTO config DEFAULT VALUES"));
  EXPECT_TRUE(Refused("23514", "DELETE FROM config"));
  EXPECT_TRUE(Accepted("UPDATE config SET enable_team_accounts = $1", {Value::Bool(false)}));
  EXPECT_EQ(Count("SELECT count(*) FROM config WHERE enable_team_accounts = 0"), 1);
}

TEST_F(SchemaTest, ConfigFlagsAreBooleans) {
  EXPECT_TRUE(Refused("23514", "UPDATE config SET enable_account_billing = $1", {Int(2)}));
  EXPECT_TRUE(Refused("23502", "UPDATE config SET enable_team_account_billing = $1", {Value::Null()}));
  EXPECT_TRUE(Accepted("UPDATE config SET enable_account_billing = $1", {Int(0)}));
}

// ---- Roles and permissions --------------------------------------------------------------

TEST_F(SchemaTest, RoleCanRankBetweenOwnerAndMember) {
  ASSERT_TRUE(Accepted("INSERT INTO roles (name, hierarchy_level) VALUES ($1, $2)",
                       {Text("manager"), Value::Real(1.5)}));
  ASSERT_TRUE(Accepted("INSERT INTO role_permissions (role, permission) VALUES ($1, $2), ($1, $3)",
                       {Text("manager"), Text("members.manage"), Text("settings.manage")}));
  EXPECT_EQ(TextOf("SELECT group_concat(name, ',') FROM (SELECT name FROM roles ORDER BY hierarchy_level)"),
            "owner,manager,member");
}

TEST_F(SchemaTest, RoleNeedsANameAndAUniquePositiveLevel) {
  int level = 100;
  ExpectColumnRules(
      [&] { return Row{"roles", {{"name", Text(Unique("role"))}, {"hierarchy_level", Int(++level)}}}; },
      {{"hierarchy_level", Int(1), "23505", Value::Real(1.25)},
       {"hierarchy_level", Int(0), "23514", Value::Real(0.5)},
       {"hierarchy_level", Int(-3), "23514", Int(3)},
       {"hierarchy_level", Text("high"), "23514", Text("4")},
       {"hierarchy_level", Value::Null(), "23502", Int(5)},
       {"name", Text("owner"), "23505", Text("admin")},
       {"name", Text("  "), "23514", Text("x")},
       {"name", Text(std::string(51, 'r')), "23514", Text(std::string(50, 'r'))},
       {"name", Value::Null(), "23502", Text("y")}});
}

TEST_F(SchemaTest, RolePermissionNamesAKnownRoleAndPermissionOnce) {
  const std::string kGrant = "INSERT INTO role_permissions (role, permission) VALUES ($1, $2)";
  EXPECT_TRUE(Refused("23505", kGrant, {Text("owner"), Text("roles.manage")}));
  EXPECT_TRUE(Refused("23503", kGrant, {Text("ghost"), Text("roles.manage")}));
  EXPECT_TRUE(Refused("23502", kGrant, {Value::Null(), Text("roles.manage")}));
  EXPECT_TRUE(Refused("22P02", kGrant, {Text("member"), Text("billing.delete")}));
  EXPECT_TRUE(Refused("23502", kGrant, {Text("member"), Value::Null()}));
  EXPECT_TRUE(Accepted(kGrant, {Text("member"), Text("roles.manage")}));
}

TEST_F(SchemaTest, NewPermissionIsAcceptedOnceAddedToTheEnum) {
  const std::vector<Value> grant = {Text("owner"), Text("reports.financial")};
  const std::string kGrant = "INSERT INTO role_permissions (role, permission) VALUES ($1, $2)";
  EXPECT_TRUE(Refused("22P02", kGrant, grant));
  ASSERT_TRUE(Accepted("INSERT INTO kit_enum_values (type_name, value, sort_order) VALUES ($1, $2, $3)",
                       {Text("app_permissions"), Text("reports.financial"), Int(6)}));
  EXPECT_TRUE(Accepted(kGrant, grant));
}

TEST_F(SchemaTest, DeletingARoleDeletesItsPermissions) {
  CreateManagerRole();
  ASSERT_TRUE(Accepted("INSERT INTO role_permissions (role, permission) VALUES ($1, $2)",
                       {Text("manager"), Text("members.manage")}));
  ASSERT_TRUE(Accepted("DELETE FROM roles WHERE name = $1", {Text("manager")}));
  EXPECT_EQ(Count("SELECT count(*) FROM role_permissions WHERE role = $1", {Text("manager")}), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM role_permissions"), 7);
}

TEST_F(SchemaTest, RoleInUseCannotBeDeleted) {
  const std::string owner = CreateUser("owner@example.com");
  const std::string account = CreateTeam(owner, "acme");
  CreateManagerRole();
  ASSERT_TRUE(Accepted(MembershipRow(account, owner).With("account_role", Text("manager"))));
  EXPECT_TRUE(Refused("23503", "DELETE FROM roles WHERE name = $1", {Text("manager")}));
  ASSERT_TRUE(Accepted("UPDATE accounts_memberships SET account_role = $1", {Text("owner")}));
  ASSERT_TRUE(Accepted(InvitationRow(account, owner).With("role", Text("manager"))));
  EXPECT_TRUE(Refused("23503", "DELETE FROM roles WHERE name = $1", {Text("manager")}));
  ASSERT_TRUE(Accepted("DELETE FROM invitations"));
  EXPECT_TRUE(Accepted("DELETE FROM roles WHERE name = $1", {Text("manager")}));
}

TEST_F(SchemaTest, RenamingARoleRenamesItWhereverItIsUsed) {
  const std::string owner = CreateUser("owner@example.com");
  const std::string account = CreateTeam(owner, "acme");
  AddMember(account, owner, "owner");
  ASSERT_TRUE(Accepted(InvitationRow(account, owner).With("role", Text("owner"))));
  ASSERT_TRUE(Accepted("UPDATE roles SET name = $1 WHERE name = $2", {Text("admin"), Text("owner")}));
  EXPECT_EQ(TextOf("SELECT account_role FROM accounts_memberships"), "admin");
  EXPECT_EQ(TextOf("SELECT role FROM invitations"), "admin");
  EXPECT_EQ(Count("SELECT count(*) FROM role_permissions WHERE role = $1", {Text("admin")}), 5);
}

// ---- auth_users -------------------------------------------------------------------------

TEST_F(SchemaTest, UserEmailIsLowercaseWellFormedAndUnique) {
  CreateUser("taken@example.com");
  EXPECT_TRUE(Accepted("INSERT INTO auth_users (phone) VALUES ($1)", {Text("+15550100")}));
  ExpectColumnRules([&] { return UserRow(); },
                    {{"email", Text("Ann@Example.com"), "23514", Text("ann@example.com")},
                     {"email", Text("ann"), "23514", Text("a@b")},
                     {"email", Text("taken@example.com"), "23505", Text("free@example.com")},
                     {"phone", Text("+15550100"), "23505", Text("+15550101")},
                     {"raw_app_meta_data", Text("[]"), "23514", Text("{\"provider\":\"email\"}")},
                     {"raw_app_meta_data", Value::Null(), "23502", Text("{}")},
                     {"raw_user_meta_data", Text("{oops"), "23514", Text("{\"name\":\"Ann\"}")},
                     {"is_anonymous", Int(2), "23514", Value::Bool(true)}});
}

// ---- Accounts ---------------------------------------------------------------------------

TEST_F(SchemaTest, PersonalAccountMustNotHaveSlug) {
  const std::string user = CreateUser("ann@example.com");
  const std::string kSetSlug = "UPDATE accounts SET slug = $1 WHERE id = $2";
  EXPECT_TRUE(Refused("23514", kSetSlug, {Text("ann"), Text(user)}));
  EXPECT_TRUE(Accepted(kSetSlug, {Value::Null(), Text(user)}));
  // The same holds for one inserted by hand.
  DeletePersonalAccount(user);
  EXPECT_TRUE(Refused("23514", PersonalAccountRow(user).With("slug", Text("ann"))));
  EXPECT_TRUE(Accepted(PersonalAccountRow(user)));
}

TEST_F(SchemaTest, TeamAccountMustHaveSlug) {
  const std::string owner = CreateUser("ann@example.com");
  EXPECT_TRUE(Refused("23514", TeamRow(owner, "acme").With("slug", Value::Null())));
  EXPECT_TRUE(Accepted(TeamRow(owner, "acme")));
}

TEST_F(SchemaTest, PersonalAccountIdIsItsOwnersIdAndThereIsOnlyOne) {
  const std::string user = CreateUser("ann@example.com");
  ASSERT_TRUE(HasPersonalAccount(user));
  EXPECT_TRUE(Refused("23505", PersonalAccountRow(user)));
  const std::string kSetId = "UPDATE accounts SET id = $1 WHERE id = $2";
  EXPECT_TRUE(Refused("23514", kSetId, {Text(kNoSuchId), Text(user)}));
  EXPECT_TRUE(Accepted(kSetId, {Text(user), Text(user)}));
  // The same holds for one inserted by hand.
  DeletePersonalAccount(user);
  EXPECT_TRUE(Refused("23514", PersonalAccountRow(user).With("id", Text(kNoSuchId))));
  EXPECT_TRUE(Accepted(PersonalAccountRow(user)));
  EXPECT_TRUE(Refused("23505", PersonalAccountRow(user)));
}

TEST_F(SchemaTest, AccountColumnsAreChecked) {
  const std::string owner = CreateUser("owner@example.com");
  const std::string other = CreateUser("other@example.com");
  CreateTeam(owner, "taken");
  ASSERT_TRUE(Accepted("UPDATE accounts SET email = $1 WHERE slug = $2",
                       {Text("billing@taken.example"), Text("taken")}));
  ExpectColumnRules([&] { return TeamRow(owner, Unique("team-")); },
                    {{"slug", Text("taken"), "23505", Text("free")},
                     {"slug", Text("Acme Corp"), "23514", Text("acme-corp")},
                     {"slug", Text(""), "23514", Text("a")},
                     {"slug", Text(std::string(256, 's')), "23514", Text(std::string(255, 's'))},
                     {"name", Value::Null(), "23502", Text("N")},
                     {"name", Text(" "), "23514", Text("Acme")},
                     {"name", Text(std::string(256, 'n')), "23514", Text(std::string(255, 'n'))},
                     {"primary_owner_user_id", Text(kNoSuchId), "23503", Text(other)},
                     {"primary_owner_user_id", Value::Null(), "23502", Text(other)},
                     {"is_personal_account", Int(2), "23514", Int(0)},
                     {"email", Text("billing@taken.example"), "23505", Text("billing@free.example")},
                     {"email", Text(std::string(321, 'e')), "23514", Text(std::string(320, 'e'))},
                     {"picture_url", Text(std::string(1001, 'p')), "23514", Text(std::string(1000, 'p'))},
                     {"public_data", Text("{oops"), "23514", Text("{\"plan\":\"pro\"}")}});
}

// ---- Memberships ------------------------------------------------------------------------

TEST_F(SchemaTest, PersonalAccountHasNoMemberships) {
  const std::string ann = CreateUser("ann@example.com");
  const std::string bob = CreateUser("bob@example.com");
  ASSERT_TRUE(HasPersonalAccount(ann));
  const std::string team = CreateTeam(ann, "acme");
  EXPECT_TRUE(Refused("23514", MembershipRow(ann, bob)));
  EXPECT_TRUE(Accepted(MembershipRow(team, bob)));
  EXPECT_TRUE(Refused("23514", "UPDATE accounts_memberships SET account_id = $1", {Text(ann)}));
  EXPECT_TRUE(Accepted("UPDATE accounts_memberships SET account_id = $1", {Text(CreateTeam(ann, "beta"))}));
}

TEST_F(SchemaTest, AccountCannotBecomePersonalWhileItHasMembersOrInvitations) {
  // A team whose id happens to be its owner's id satisfies accounts_personal_account_id_is_owner.
  // That id is free once ann's own personal account is gone.
  const std::string ann = CreateUser("ann@example.com");
  const std::string bob = CreateUser("bob@example.com");
  DeletePersonalAccount(ann);
  ASSERT_TRUE(Accepted(TeamRow(ann, "acme").With("id", Text(ann))));
  AddMember(ann, bob);
  const std::string kMakePersonal = "UPDATE accounts SET is_personal_account = 1, slug = NULL WHERE id = $1";
  EXPECT_TRUE(Refused("23514", kMakePersonal, {Text(ann)}));
  ASSERT_TRUE(Accepted("DELETE FROM accounts_memberships"));
  Invite(ann, ann, "carl@example.com");
  EXPECT_TRUE(Refused("23514", kMakePersonal, {Text(ann)}));
  ASSERT_TRUE(Accepted("DELETE FROM invitations"));
  EXPECT_TRUE(Accepted(kMakePersonal, {Text(ann)}));
}

TEST_F(SchemaTest, MembershipNamesExistingUserAccountAndRoleOnce) {
  const std::string owner = CreateUser("owner@example.com");
  const std::string fresh = CreateUser("fresh@example.com");
  const std::string team = CreateTeam(owner, "acme");
  const std::string other_team = CreateTeam(owner, "beta");
  AddMember(team, owner, "owner");
  EXPECT_TRUE(Refused("23505", MembershipRow(team, owner)));
  ExpectColumnRules([&] { return MembershipRow(team, CreateUser(Unique("m") + "@example.com")); },
                    {{"account_role", Text("ghost"), "23503", Text("owner")},
                     {"account_role", Value::Null(), "23502", Text("member")},
                     {"account_id", Text(kNoSuchId), "23503", Text(other_team)},
                     {"user_id", Text(kNoSuchId), "23503", Text(fresh)}});
}

TEST_F(SchemaTest, PrimaryOwnerMembershipCannotBeRemoved) {
  const std::string ann = CreateUser("ann@example.com");
  const std::string bob = CreateUser("bob@example.com");
  const std::string team = CreateTeam(ann, "acme");
  AddMember(team, ann, "owner");
  AddMember(team, bob);
  const std::string kRemove = "DELETE FROM accounts_memberships WHERE user_id = $1";
  EXPECT_TRUE(Refused("23514", kRemove, {Text(ann)}));
  EXPECT_TRUE(Accepted(kRemove, {Text(bob)}));
  // Once ownership moves on, the former owner's membership can go.
  AddMember(team, bob, "owner");
  ASSERT_TRUE(Accepted("UPDATE accounts SET primary_owner_user_id = $1 WHERE id = $2", {Text(bob), Text(team)}));
  EXPECT_TRUE(Accepted(kRemove, {Text(ann)}));
}

// ---- Invitations ------------------------------------------------------------------------

TEST_F(SchemaTest, PersonalAccountHasNoInvitations) {
  const std::string ann = CreateUser("ann@example.com");
  ASSERT_TRUE(HasPersonalAccount(ann));
  const std::string team = CreateTeam(ann, "acme");
  EXPECT_TRUE(Refused("23514", InvitationRow(ann, ann)));
  EXPECT_TRUE(Accepted(InvitationRow(team, ann)));
  EXPECT_TRUE(Refused("23514", "UPDATE invitations SET account_id = $1", {Text(ann)}));
  EXPECT_TRUE(Accepted("UPDATE invitations SET account_id = $1", {Text(CreateTeam(ann, "beta"))}));
}

TEST_F(SchemaTest, InvitationIsUniquePerEmailAndAccountAndByToken) {
  const std::string owner = CreateUser("owner@example.com");
  const std::string team = CreateTeam(owner, "acme");
  const std::string other_team = CreateTeam(owner, "beta");
  const Row invitation = InvitationRow(team, owner).With("email", Text("guest@example.com"));
  ASSERT_TRUE(Accepted(invitation.With("invite_token", Text("secret"))));
  EXPECT_TRUE(Refused("23505", InvitationRow(team, owner).With("email", Text("guest@example.com"))));
  EXPECT_TRUE(Accepted(InvitationRow(other_team, owner).With("email", Text("guest@example.com"))));
  EXPECT_TRUE(Refused("23505", InvitationRow(other_team, owner).With("invite_token", Text("secret"))));
}

TEST_F(SchemaTest, InvitationColumnsAreChecked) {
  const std::string owner = CreateUser("owner@example.com");
  const std::string member = CreateUser("member@example.com");
  const std::string team = CreateTeam(owner, "acme");
  const std::string other_team = CreateTeam(owner, "beta");
  ExpectColumnRules([&] { return InvitationRow(team, owner); },
                    {{"email", Text("Guest@Example.com"), "23514", Text("guest@example.com")},
                     {"email", Text("guest"), "23514", Text("g@h")},
                     {"email", Value::Null(), "23502", Text("g@i")},
                     {"invite_token", Text(""), "23514", Text("t")},
                     {"invite_token", Value::Null(), "23502", Text("u")},
                     {"expires_at", Text(kLongAgo), "23514", Text(kFarFuture)},
                     {"role", Text("ghost"), "23503", Text("owner")},
                     {"account_id", Text(kNoSuchId), "23503", Text(other_team)},
                     {"invited_by", Text(kNoSuchId), "23503", Text(member)},
                     {"invited_by", Value::Null(), "23502", Text(member)}});
}

// ---- One-time tokens and super admins ---------------------------------------------------

TEST_F(SchemaTest, OneTimeTokenColumnsAreChecked) {
  const std::string user = CreateUser("ann@example.com");
  ExpectColumnRules(
      [&] {
        return Row{"one_time_tokens",
                   {{"token", Text(std::string(64, 'h'))},
                    {"target_id", Text(user)},
                    {"purpose", Text("account-deletion")},
                    {"expires_at", Text(kFarFuture)}}};
      },
      {{"token", Text(std::string(31, 'h')), "23514", Text(std::string(32, 'h'))},
       {"token", Value::Null(), "23502", Text(std::string(40, 'h'))},
       {"target_id", Text(kNoSuchId), "23503", Value::Null()},
       {"purpose", Text(" "), "23514", Text("password-reset")},
       {"scopes", Text("{}"), "23514", Text("[\"billing\"]")},
       {"metadata", Text("[]"), "23514", Text("{}")},
       {"expires_at", Text(kLongAgo), "23514", Text(kFarFuture)},
       {"expires_at", Value::Null(), "23502", Text(kFarFuture)},
       {"revoked", Int(2), "23514", Value::Bool(true)},
       {"verification_attempts", Int(-1), "23514", Int(0)}});
}

TEST_F(SchemaTest, SuperAdminIsAnExistingUserOnce) {
  const std::string ann = CreateUser("ann@example.com");
  const std::string bob = CreateUser("bob@example.com");
  const std::string kGrant = "INSERT INTO super_admins (user_id, created_by) VALUES ($1, $2)";
  EXPECT_TRUE(Refused("23503", kGrant, {Text(kNoSuchId), Text(ann)}));
  EXPECT_TRUE(Accepted(kGrant, {Text(ann), Text(bob)}));
  EXPECT_TRUE(Refused("23505", kGrant, {Text(ann), Text(bob)}));
}

// created_by / updated_by are whoever writes (auth_uid()), never what the row says, and
// must name an existing user.
TEST_F(SchemaTest, AuditColumnsNameTheWriter) {
  const std::string owner = CreateUser("owner@example.com");
  const std::string writer = CreateUser("writer@example.com");
  const std::string fresh = CreateUser("fresh@example.com");
  const std::string team = CreateTeam(owner, "acme");
  as_ = store::RequestContext{"", kNoSuchId, ""};
  EXPECT_TRUE(Refused("23503", TeamRow(owner, "ghost")));
  EXPECT_TRUE(Refused("23503", MembershipRow(team, fresh)));
  EXPECT_TRUE(Refused("23503", "INSERT INTO super_admins (user_id) VALUES ($1)", {Text(fresh)}));
  as_ = store::RequestContext{"", writer, ""};
  EXPECT_TRUE(Accepted(TeamRow(owner, "real").With("created_by", Text(owner)).With("updated_by", Text(owner))));
  EXPECT_EQ(Count("SELECT count(*) FROM accounts WHERE slug = 'real' AND created_by = $1 AND updated_by = $1",
                  {Text(writer)}),
            1);
  EXPECT_TRUE(Accepted(MembershipRow(team, fresh).With("created_by", Text(owner))));
  EXPECT_EQ(Count("SELECT count(*) FROM accounts_memberships WHERE user_id = $1 AND created_by = $2", {Text(fresh), Text(writer)}),
            1);
  // An update keeps created_by and created_at and records the updater.
  as_ = store::RequestContext{"", fresh, ""};
  EXPECT_TRUE(Accepted("UPDATE accounts SET name = 'Renamed', created_by = $1, created_at = '2000-01-01' WHERE slug = 'real'",
                       {Text(fresh)}));
  EXPECT_EQ(Count("SELECT count(*) FROM accounts WHERE slug = 'real' AND created_by = $1 AND updated_by = $2 "
                  "AND created_at > '2001'",
                  {Text(writer), Text(fresh)}),
            1);
  // The server and service_role are nobody.
  as_ = store::RequestContext{};
  EXPECT_TRUE(Accepted("UPDATE accounts SET name = 'Server' WHERE slug = 'real'"));
  EXPECT_EQ(Count("SELECT count(*) FROM accounts WHERE slug = 'real' AND created_by = $1 AND updated_by IS NULL",
                  {Text(writer)}),
            1);
  // A row nobody is recorded as creating (the sign-up trigger's personal account, a
  // service_role insert) keeps created_by NULL: a later writer cannot fill it in.
  const std::string nobodys = CreateTeam(owner, "nobodys");
  AddMember(nobodys, writer);
  as_ = store::RequestContext{"", fresh, ""};
  EXPECT_TRUE(Accepted("UPDATE accounts SET created_by = $1 WHERE slug = 'nobodys'", {Text(fresh)}));
  EXPECT_EQ(Count("SELECT count(*) FROM accounts WHERE slug = 'nobodys' AND created_by IS NULL AND updated_by = $1",
                  {Text(fresh)}),
            1);
  EXPECT_TRUE(Accepted("UPDATE accounts_memberships SET created_by = $1 WHERE account_id = $2", {Text(fresh), Text(nobodys)}));
  EXPECT_EQ(Count("SELECT count(*) FROM accounts_memberships WHERE account_id = $1 AND created_by IS NULL", {Text(nobodys)}),
            1);
}

// ---- Deleting a user --------------------------------------------------------------------

TEST_F(SchemaTest, DeletingAUserDeletesWhatIsTheirs) {
  const Tenant t = CreateTenant("acme");
  const std::string ann = CreateUser("ann@example.com");
  ASSERT_TRUE(HasPersonalAccount(ann));
  AddMember(t.account, ann);
  Invite(t.account, ann, "friend@example.com");
  ASSERT_TRUE(Accepted(Row{"one_time_tokens",
                           {{"token", Text(std::string(64, 'h'))},
                            {"target_id", Text(ann)},
                            {"purpose", Text("account-deletion")},
                            {"expires_at", Text(kFarFuture)}}}));
  ASSERT_TRUE(Accepted("INSERT INTO super_admins (user_id) VALUES ($1)", {Text(ann)}));

  ASSERT_TRUE(Accepted("DELETE FROM auth_users WHERE id = $1", {Text(ann)}));
  EXPECT_EQ(Count("SELECT count(*) FROM accounts WHERE id = $1", {Text(ann)}), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM accounts_memberships WHERE user_id = $1", {Text(ann)}), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM invitations WHERE invited_by = $1", {Text(ann)}), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM one_time_tokens"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM super_admins"), 0);
  // The team ann belonged to, and its other members and invitations, stay.
  EXPECT_EQ(Count("SELECT count(*) FROM accounts_memberships WHERE account_id = $1", {Text(t.account)}), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM invitations WHERE account_id = $1", {Text(t.account)}), 1);
}

TEST_F(SchemaTest, DeletingAUserKeepsWhatTheyOnlyCreated) {
  const std::string ann = CreateUser("ann@example.com");
  const std::string bob = CreateUser("bob@example.com");
  const std::string team = CreateTeam(bob, "acme");
  // ann writes: the audit triggers name her.
  as_ = store::RequestContext{"", ann, ""};
  ASSERT_TRUE(Accepted("UPDATE accounts SET name = 'Acme' WHERE id = $1", {Text(team)}));
  ASSERT_TRUE(Accepted(MembershipRow(team, bob)));
  ASSERT_TRUE(Accepted("INSERT INTO super_admins (user_id) VALUES ($1)", {Text(bob)}));
  ASSERT_EQ(Count("SELECT count(*) FROM accounts_memberships WHERE created_by = $1", {Text(ann)}), 1);
  as_ = store::RequestContext{};

  ASSERT_TRUE(Accepted("DELETE FROM auth_users WHERE id = $1", {Text(ann)}));
  EXPECT_EQ(Count("SELECT count(*) FROM accounts WHERE id = $1 AND created_by IS NULL AND updated_by IS NULL",
                  {Text(team)}),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM accounts_memberships WHERE created_by IS NULL AND updated_by IS NULL"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM super_admins WHERE user_id = $1 AND created_by IS NULL", {Text(bob)}), 1);
}

TEST_F(SchemaTest, DeletingAUserDeletesTheTeamsTheyPrimarilyOwn) {
  const Tenant t = CreateTenant("acme");
  ASSERT_TRUE(Accepted("DELETE FROM auth_users WHERE id = $1", {Text(t.owner)}));
  // The team and the owner's personal account are gone; only the member's own is left.
  EXPECT_EQ(TextOf("SELECT id FROM accounts"), t.member);
  EXPECT_EQ(Count("SELECT count(*) FROM accounts_memberships"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM auth_users WHERE id = $1", {Text(t.member)}), 1);
}

// ---- updated_at -------------------------------------------------------------------------

TEST_F(SchemaTest, EveryUpdateBumpsUpdatedAt) {
  const Tenant t = CreateTenant("acme");
  struct Case {
    std::string table;
    std::string key_column;
    std::string key;
  };
  const std::vector<Case> cases = {
      {"auth_users", "id", t.member},
      {"accounts", "id", t.account},
      {"accounts_memberships", "user_id", t.member},
      {"invitations", "account_id", t.account},
      {"subscriptions", "id", t.subscription},
      {"subscription_items", "subscription_id", t.subscription},
      {"orders", "id", t.order},
      {"order_items", "order_id", t.order},
      {"notifications", "account_id", t.account},
  };
  const std::string before = TextOf("SELECT now()");
  for (const Case& c : cases) {
    SCOPED_TRACE(c.table);
    // Even an explicit stale value is replaced: the trigger writes now().
    EXPECT_TRUE(Accepted("UPDATE " + c.table + " SET updated_at = $1 WHERE " + c.key_column + " = $2",
                         {Text(kLongAgo), Text(c.key)}));
    EXPECT_GE(TextOf("SELECT updated_at FROM " + c.table + " WHERE " + c.key_column + " = $1", {Text(c.key)}),
              before);
  }
}

}  // namespace
}  // namespace tb::store
