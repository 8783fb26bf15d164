// Proves migrations/sqlite/0007: the personal account every sign-up creates (and keeps
// in step with the user's email), the cascades that end a user's sessions, refresh tokens
// and MFA factors, and the constraints of those tables: each refusal with its SQLSTATE
// next to the nearest write that succeeds.
#include <string>
#include <vector>

#include "store/schema_test.h"

namespace tb::store {
namespace {

class AuthSchemaTest : public SchemaTest {
 protected:
  static constexpr char kSignUp[] = "INSERT INTO auth_users (email, raw_user_meta_data) VALUES ($1, $2)";

  // A user signed up with `email` and `user_meta_data` (JSON text); returns their id.
  std::string SignUp(const std::string& email, const std::string& user_meta_data) {
    EXPECT_TRUE(Accepted(kSignUp, {Text(email), Text(user_meta_data)}));
    return TextOf("SELECT id FROM auth_users WHERE email = $1", {Text(email)});
  }

  // `column` of `user`'s personal account as text ("NULL" for a NULL).
  std::string PersonalAccountColumn(const std::string& user, const std::string& column) {
    return TextOf("SELECT " + column + " FROM accounts WHERE id = $1 AND is_personal_account = 1", {Text(user)});
  }

  // A refresh token hash: 64 characters, never handed out before.
  std::string TokenHash() {
    const std::string serial = Unique("hash-");
    return std::string(64 - serial.size(), '0') + serial;  // left-padded: "hash-1" + '0' would be "hash-10"
  }

  std::string NewId() { return TextOf("SELECT gen_random_uuid()"); }

  // Rows that satisfy every constraint; tests vary one column with Row::With.
  Row SessionRow(const std::string& user) { return Row{"auth_sessions", {{"user_id", Text(user)}}}; }
  Row RefreshTokenRow(const std::string& session, const std::string& user) {
    return Row{"auth_refresh_tokens",
               {{"token_hash", Text(TokenHash())}, {"session_id", Text(session)}, {"user_id", Text(user)}}};
  }
  Row FactorRow(const std::string& user) {
    return Row{"auth_mfa_factors", {{"user_id", Text(user)}, {"secret", Text("sealed-secret")}}};
  }
  Row ChallengeRow(const std::string& factor) {
    return Row{"auth_mfa_challenges", {{"factor_id", Text(factor)}, {"expires_at", Text(kFarFuture)}}};
  }

  // Each returns the new row's id (a refresh token's: its hash).
  std::string CreateSession(const std::string& user) {
    const std::string id = NewId();
    EXPECT_TRUE(Accepted(SessionRow(user).With("id", Text(id))));
    return id;
  }
  std::string CreateRefreshToken(const std::string& session, const std::string& user) {
    const std::string hash = TokenHash();
    EXPECT_TRUE(Accepted(RefreshTokenRow(session, user).With("token_hash", Text(hash))));
    return hash;
  }
  std::string CreateFactor(const std::string& user) {
    const std::string id = NewId();
    EXPECT_TRUE(Accepted(FactorRow(user).With("id", Text(id))));
    return id;
  }
  std::string CreateChallenge(const std::string& factor) {
    const std::string id = NewId();
    EXPECT_TRUE(Accepted(ChallengeRow(factor).With("id", Text(id))));
    return id;
  }
};

// ---- The personal account made on sign-up ----------------------------------------------

TEST_F(AuthSchemaTest, SignUpCreatesPersonalAccountFromMetadata) {
  const std::string ann =
      SignUp("ann@example.com", R"({"name":"Ann Smith","avatar_url":"https://img.example/ann.png"})");
  ASSERT_TRUE(HasPersonalAccount(ann));
  EXPECT_EQ(PersonalAccountColumn(ann, "name"), "Ann Smith");
  EXPECT_EQ(PersonalAccountColumn(ann, "email"), "ann@example.com");
  EXPECT_EQ(PersonalAccountColumn(ann, "picture_url"), "https://img.example/ann.png");
  EXPECT_EQ(Count("SELECT count(*) FROM accounts WHERE primary_owner_user_id = $1", {Text(ann)}), 1);
}

TEST_F(AuthSchemaTest, SignUpWithoutNameNamesAccountAfterEmailLocalPart) {
  const std::string ann = SignUp("ann.smith@example.com", "{}");
  ASSERT_TRUE(HasPersonalAccount(ann));
  EXPECT_EQ(PersonalAccountColumn(ann, "name"), "ann.smith");
  EXPECT_EQ(PersonalAccountColumn(ann, "email"), "ann.smith@example.com");
  EXPECT_EQ(PersonalAccountColumn(ann, "picture_url"), "NULL");
}

TEST_F(AuthSchemaTest, SignUpWithBlankNameNamesAccountAfterEmailLocalPart) {
  for (const char* blank : {R"({"name":""})", R"({"name":"   "})", R"({"name":null})"}) {
    SCOPED_TRACE(blank);
    const std::string local_part = Unique("blank");
    const std::string user = SignUp(local_part + "@example.com", blank);
    ASSERT_TRUE(HasPersonalAccount(user));
    EXPECT_EQ(PersonalAccountColumn(user, "name"), local_part);
  }
}

TEST_F(AuthSchemaTest, SignUpTrimsMetadataNameAndCutsItTo255Characters) {
  const std::string ann = SignUp("ann@example.com", R"({"name":"  Ann  "})");
  EXPECT_EQ(PersonalAccountColumn(ann, "name"), "Ann");
  const std::string bob = SignUp("bob@example.com", R"({"name":")" + std::string(300, 'b') + R"("})");
  EXPECT_EQ(PersonalAccountColumn(bob, "name"), std::string(255, 'b'));
}

TEST_F(AuthSchemaTest, SignUpWithNeitherNameNorEmailNamesAccountPersonalAccount) {
  ASSERT_TRUE(Accepted("INSERT INTO auth_users (phone) VALUES ($1)", {Text("+15550100")}));
  const std::string user = TextOf("SELECT id FROM auth_users WHERE phone = $1", {Text("+15550100")});
  ASSERT_TRUE(HasPersonalAccount(user));
  EXPECT_EQ(PersonalAccountColumn(user, "name"), "Personal Account");
  EXPECT_EQ(PersonalAccountColumn(user, "email"), "NULL");
}

TEST_F(AuthSchemaTest, SignUpAndItsPersonalAccountAreOneWrite) {
  // Rolled back before commit: neither row stays.
  {
    auto txn = db_.store().Begin(Access::kWrite);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Execute(kSignUp, std::vector<Value>{Text("ann@example.com"), Text("{}")}).ok());
    auto seen = (*txn)->Query("SELECT count(*) FROM accounts WHERE email = $1",
                              std::vector<Value>{Text("ann@example.com")});
    ASSERT_TRUE(seen.ok());
    EXPECT_EQ(seen->rows.at(0).at(0).as_int(), 1);
  }
  EXPECT_EQ(Count("SELECT count(*) FROM auth_users"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM accounts"), 0);

  // A refused account refuses the user.
  const std::string owner = CreateUser("owner@example.com");
  const std::string team = CreateTeam(owner, "acme");
  const std::string kSetTeamEmail = "UPDATE accounts SET email = $1 WHERE id = $2";
  ASSERT_TRUE(Accepted(kSetTeamEmail, {Text("billing@acme.example"), Text(team)}));
  EXPECT_TRUE(Refused("23505", kSignUp, {Text("billing@acme.example"), Text("{}")}));
  const std::string kLongAvatar = R"({"avatar_url":")" + std::string(1001, 'p') + R"("})";
  EXPECT_TRUE(Refused("23514", kSignUp, {Text("ann@example.com"), Text(kLongAvatar)}));
  EXPECT_EQ(Count("SELECT count(*) FROM auth_users"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM accounts"), 2);
  // Once the email is free and the avatar fits, both are accepted.
  ASSERT_TRUE(Accepted(kSetTeamEmail, {Value::Null(), Text(team)}));
  EXPECT_TRUE(Accepted(kSignUp, {Text("billing@acme.example"), Text("{}")}));
  EXPECT_TRUE(Accepted(kSignUp, {Text("ann@example.com"),
                                 Text(R"({"avatar_url":")" + std::string(1000, 'p') + R"("})")}));
  EXPECT_EQ(Count("SELECT count(*) FROM accounts WHERE is_personal_account = 1"), 3);
}

// ---- The personal account follows the user's email -------------------------------------

TEST_F(AuthSchemaTest, EmailChangeReachesPersonalAccountButNotTeams) {
  const std::string ann = CreateUser("ann@example.com");
  const std::string bob = CreateUser("bob@example.com");
  const std::string team = CreateTeam(ann, "acme");
  ASSERT_TRUE(Accepted("UPDATE accounts SET email = $1 WHERE id = $2", {Text("billing@acme.example"), Text(team)}));
  const std::string kSetEmail = "UPDATE auth_users SET email = $1 WHERE id = $2";

  ASSERT_TRUE(Accepted(kSetEmail, {Text("ann@new.example"), Text(ann)}));
  EXPECT_EQ(PersonalAccountColumn(ann, "email"), "ann@new.example");
  EXPECT_EQ(TextOf("SELECT email FROM accounts WHERE id = $1", {Text(team)}), "billing@acme.example");
  EXPECT_EQ(PersonalAccountColumn(bob, "email"), "bob@example.com");

  ASSERT_TRUE(Accepted(kSetEmail, {Value::Null(), Text(ann)}));
  EXPECT_EQ(PersonalAccountColumn(ann, "email"), "NULL");
  EXPECT_EQ(TextOf("SELECT email FROM accounts WHERE id = $1", {Text(team)}), "billing@acme.example");
}

TEST_F(AuthSchemaTest, EmailChangeLeavesTeamWithTheUsersIdAlone) {
  // A team may take its owner's id once their personal account is gone.
  const std::string ann = CreateUser("ann@example.com");
  DeletePersonalAccount(ann);
  ASSERT_TRUE(Accepted(TeamRow(ann, "acme").With("id", Text(ann)).With("email", Text("billing@acme.example"))));
  ASSERT_TRUE(Accepted("UPDATE auth_users SET email = $1 WHERE id = $2", {Text("ann@new.example"), Text(ann)}));
  EXPECT_EQ(TextOf("SELECT email FROM accounts WHERE id = $1", {Text(ann)}), "billing@acme.example");
}

TEST_F(AuthSchemaTest, OnlyAnEmailChangeRewritesPersonalAccountEmail) {
  const std::string ann = CreateUser("ann@example.com");
  ASSERT_TRUE(Accepted("UPDATE accounts SET email = $1 WHERE id = $2", {Text("ann+billing@example.com"), Text(ann)}));
  ASSERT_TRUE(Accepted("UPDATE auth_users SET last_sign_in_at = $1, email = email WHERE id = $2",
                       {Text(kJanuary), Text(ann)}));
  EXPECT_EQ(PersonalAccountColumn(ann, "email"), "ann+billing@example.com");
}

TEST_F(AuthSchemaTest, EmailChangeIsRefusedWholeWhenAnotherAccountHasTheEmail) {
  const std::string ann = CreateUser("ann@example.com");
  const std::string team = CreateTeam(ann, "acme");
  ASSERT_TRUE(Accepted("UPDATE accounts SET email = $1 WHERE id = $2", {Text("billing@acme.example"), Text(team)}));
  const std::string kSetEmail = "UPDATE auth_users SET email = $1 WHERE id = $2";
  EXPECT_TRUE(Refused("23505", kSetEmail, {Text("billing@acme.example"), Text(ann)}));
  EXPECT_EQ(TextOf("SELECT email FROM auth_users WHERE id = $1", {Text(ann)}), "ann@example.com");
  EXPECT_EQ(PersonalAccountColumn(ann, "email"), "ann@example.com");
  EXPECT_TRUE(Accepted(kSetEmail, {Text("ann@acme.example"), Text(ann)}));
}

// ---- Cascades ---------------------------------------------------------------------------

TEST_F(AuthSchemaTest, DeletingUserDeletesTheirSessionsTokensFactorsAndChallenges) {
  const std::string ann = CreateUser("ann@example.com");
  const std::string bob = CreateUser("bob@example.com");
  std::string ann_factor;
  for (const std::string& user : {ann, bob}) {
    const std::string session = CreateSession(user);
    CreateRefreshToken(session, user);
    const std::string factor = CreateFactor(user);
    CreateChallenge(factor);
    if (user == ann) ann_factor = factor;
  }

  ASSERT_TRUE(Accepted("DELETE FROM auth_users WHERE id = $1", {Text(ann)}));
  for (const char* table : {"auth_sessions", "auth_refresh_tokens", "auth_mfa_factors"}) {
    SCOPED_TRACE(table);
    const std::string count = std::string("SELECT count(*) FROM ") + table + " WHERE user_id = $1";
    EXPECT_EQ(Count(count, {Text(ann)}), 0);
    EXPECT_EQ(Count(count, {Text(bob)}), 1);
  }
  EXPECT_EQ(Count("SELECT count(*) FROM auth_mfa_challenges WHERE factor_id = $1", {Text(ann_factor)}), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM auth_mfa_challenges"), 1);
}

TEST_F(AuthSchemaTest, DeletingSessionDeletesItsRefreshTokensOnly) {
  const std::string ann = CreateUser("ann@example.com");
  const std::string ended = CreateSession(ann);
  const std::string kept = CreateSession(ann);
  CreateRefreshToken(ended, ann);
  CreateRefreshToken(ended, ann);
  CreateRefreshToken(kept, ann);
  CreateFactor(ann);

  ASSERT_TRUE(Accepted("DELETE FROM auth_sessions WHERE id = $1", {Text(ended)}));
  const std::string kTokens = "SELECT count(*) FROM auth_refresh_tokens WHERE session_id = $1";
  EXPECT_EQ(Count(kTokens, {Text(ended)}), 0);
  EXPECT_EQ(Count(kTokens, {Text(kept)}), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM auth_users WHERE id = $1", {Text(ann)}), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM auth_mfa_factors WHERE user_id = $1", {Text(ann)}), 1);
}

TEST_F(AuthSchemaTest, DeletingFactorDeletesItsChallengesOnly) {
  const std::string ann = CreateUser("ann@example.com");
  const std::string removed = CreateFactor(ann);
  const std::string kept = CreateFactor(ann);
  CreateChallenge(removed);
  CreateChallenge(kept);
  ASSERT_TRUE(Accepted("DELETE FROM auth_mfa_factors WHERE id = $1", {Text(removed)}));
  const std::string kChallenges = "SELECT count(*) FROM auth_mfa_challenges WHERE factor_id = $1";
  EXPECT_EQ(Count(kChallenges, {Text(removed)}), 0);
  EXPECT_EQ(Count(kChallenges, {Text(kept)}), 1);
}

// ---- Columns ----------------------------------------------------------------------------

TEST_F(AuthSchemaTest, SessionColumnsAreChecked) {
  const std::string ann = CreateUser("ann@example.com");
  const std::string bob = CreateUser("bob@example.com");
  const std::string session = CreateSession(ann);
  EXPECT_EQ(TextOf("SELECT aal || ' ' || amr FROM auth_sessions WHERE id = $1", {Text(session)}), "aal1 []");
  ExpectColumnRules([&] { return SessionRow(ann); },
                    {{"aal", Text("aal3"), "23514", Text("aal2")},
                     {"aal", Text("AAL1"), "23514", Text("aal1")},
                     {"aal", Value::Null(), "23502", Text("aal1")},
                     {"amr", Text("{}"), "23514", Text(R"([{"method":"password","timestamp":1700000000}])")},
                     {"amr", Text(R"("password")"), "23514", Text(R"(["password"])")},
                     {"amr", Text("[oops"), "23514", Text("[]")},
                     {"amr", Value::Null(), "23502", Text("[]")},
                     {"user_id", Text(kNoSuchId), "23503", Text(bob)},
                     {"user_id", Value::Null(), "23502", Text(bob)}});
  // Verifying a second factor raises a session's level by an update.
  const std::string kSetAal = "UPDATE auth_sessions SET aal = $1 WHERE id = $2";
  EXPECT_TRUE(Refused("23514", kSetAal, {Text("aal3"), Text(session)}));
  EXPECT_TRUE(Accepted(kSetAal, {Text("aal2"), Text(session)}));
}

TEST_F(AuthSchemaTest, RefreshTokenColumnsAreChecked) {
  const std::string ann = CreateUser("ann@example.com");
  const std::string session = CreateSession(ann);
  const std::string other_session = CreateSession(ann);
  const std::string taken = CreateRefreshToken(session, ann);
  ExpectColumnRules([&] { return RefreshTokenRow(session, ann); },
                    {{"token_hash", Text(std::string(63, 'a')), "23514", Text(std::string(64, 'a'))},
                     {"token_hash", Text(std::string(65, 'b')), "23514", Text(std::string(64, 'b'))},
                     {"token_hash", Text(""), "23514", Text(TokenHash())},
                     {"token_hash", Value::Null(), "23502", Text(TokenHash())},
                     {"token_hash", Text(taken), "23505", Text(TokenHash())},
                     {"revoked", Int(2), "23514", Value::Bool(true)},
                     {"revoked", Value::Null(), "23502", Value::Bool(false)},
                     {"session_id", Text(kNoSuchId), "23503", Text(other_session)},
                     {"session_id", Value::Null(), "23502", Text(other_session)},
                     {"user_id", Text(kNoSuchId), "23503", Text(ann)},
                     {"user_id", Value::Null(), "23502", Text(ann)}});
  // Rotation never lands on a hash in use.
  const std::string fresh = CreateRefreshToken(session, ann);
  const std::string kRotate = "UPDATE auth_refresh_tokens SET token_hash = $1 WHERE token_hash = $2";
  EXPECT_TRUE(Refused("23505", kRotate, {Text(taken), Text(fresh)}));
  EXPECT_TRUE(Accepted(kRotate, {Text(TokenHash()), Text(fresh)}));
}

TEST_F(AuthSchemaTest, MfaFactorColumnsAreChecked) {
  const std::string ann = CreateUser("ann@example.com");
  const std::string bob = CreateUser("bob@example.com");
  const std::string factor = CreateFactor(ann);
  EXPECT_EQ(TextOf("SELECT factor_type || ' ' || status FROM auth_mfa_factors WHERE id = $1", {Text(factor)}),
            "totp unverified");
  ExpectColumnRules([&] { return FactorRow(ann); },
                    {{"factor_type", Text("webauthn"), "23514", Text("totp")},
                     {"factor_type", Text("TOTP"), "23514", Text("totp")},
                     {"factor_type", Value::Null(), "23502", Text("totp")},
                     {"status", Text("enabled"), "23514", Text("verified")},
                     {"status", Value::Null(), "23502", Text("unverified")},
                     {"secret", Value::Null(), "23502", Text("another-sealed-secret")},
                     {"user_id", Text(kNoSuchId), "23503", Text(bob)},
                     {"user_id", Value::Null(), "23502", Text(bob)}});
  // Verifying a factor is an update of its status.
  const std::string kSetStatus = "UPDATE auth_mfa_factors SET status = $1 WHERE id = $2";
  EXPECT_TRUE(Refused("23514", kSetStatus, {Text("enabled"), Text(factor)}));
  EXPECT_TRUE(Accepted(kSetStatus, {Text("verified"), Text(factor)}));
}

TEST_F(AuthSchemaTest, MfaFactorNameIsUniquePerUserOnlyWhenNotEmpty) {
  const std::string ann = CreateUser("ann@example.com");
  const std::string bob = CreateUser("bob@example.com");
  ASSERT_TRUE(Accepted(FactorRow(ann).With("friendly_name", Text("phone"))));
  EXPECT_TRUE(Refused("23505", FactorRow(ann).With("friendly_name", Text("phone"))));
  EXPECT_TRUE(Accepted(FactorRow(bob).With("friendly_name", Text("phone"))));
  EXPECT_TRUE(Accepted(FactorRow(ann).With("friendly_name", Text("laptop"))));
  // Empty and missing names never clash.
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(Accepted(FactorRow(ann).With("friendly_name", Text(""))));
    EXPECT_TRUE(Accepted(FactorRow(ann).With("friendly_name", Value::Null())));
  }
  const std::string kRename = "UPDATE auth_mfa_factors SET friendly_name = $1 WHERE user_id = $2 AND friendly_name = $3";
  EXPECT_TRUE(Refused("23505", kRename, {Text("phone"), Text(ann), Text("laptop")}));
  EXPECT_TRUE(Accepted(kRename, {Text(""), Text(ann), Text("laptop")}));
}

TEST_F(AuthSchemaTest, MfaChallengeColumnsAreChecked) {
  const std::string ann = CreateUser("ann@example.com");
  const std::string factor = CreateFactor(ann);
  const std::string other_factor = CreateFactor(ann);
  ExpectColumnRules([&] { return ChallengeRow(factor); },
                    {{"verification_attempts", Int(-1), "23514", Int(0)},
                     {"verification_attempts", Value::Null(), "23502", Int(5)},
                     {"expires_at", Value::Null(), "23502", Text(kFarFuture)},
                     {"factor_id", Text(kNoSuchId), "23503", Text(other_factor)},
                     {"factor_id", Value::Null(), "23502", Text(other_factor)}});
  const std::string challenge = CreateChallenge(factor);
  const std::string kSetAttempts = "UPDATE auth_mfa_challenges SET verification_attempts = $1 WHERE id = $2";
  EXPECT_TRUE(Refused("23514", kSetAttempts, {Int(-1), Text(challenge)}));
  EXPECT_TRUE(Accepted(kSetAttempts, {Int(1), Text(challenge)}));
}

// ---- updated_at -------------------------------------------------------------------------

TEST_F(AuthSchemaTest, EveryUpdateOfAnAuthTableBumpsUpdatedAt) {
  const std::string ann = CreateUser("ann@example.com");
  const std::string session = CreateSession(ann);
  struct Case {
    std::string table;
    std::string key_column;
    std::string key;
  };
  const std::vector<Case> cases = {
      {"auth_sessions", "id", session},
      {"auth_refresh_tokens", "token_hash", CreateRefreshToken(session, ann)},
      {"auth_mfa_factors", "id", CreateFactor(ann)},
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
