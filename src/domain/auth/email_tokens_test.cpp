// Properties of the codes and links auth sends by email, against the real schema: what
// is stored, how long it lives, that it works once, that guesses are capped, and that
// every refusal looks the same.
#include "domain/auth/email_tokens.h"

#include <gtest/gtest.h>

#include "support/fake_clock.h"

#include <regex>
#include <set>

#include "crypto/hash.h"
#include "support/migrated_store.h"

namespace tb::auth {
namespace {

using testing::FakeClock;

using store::Value;


AuthConfig TestConfig() {
  AuthConfig config;
  config.jwt_secret = "email-tokens-test-secret-0123456789";
  config.issuer = "http://127.0.0.1:54321/auth/v1";
  config.site_url = "http://localhost:3000";
  return config;
}

constexpr EmailPurpose kSignup[] = {EmailPurpose::kSignup};
constexpr EmailPurpose kRecovery[] = {EmailPurpose::kRecovery};
constexpr EmailPurpose kEmailChange[] = {EmailPurpose::kEmailChange};

std::string Text(const Value& v) { return v.kind() == Value::Kind::kText ? v.as_text() : v.DebugString(); }
int64_t Int(const Value& v) { return v.kind() == Value::Kind::kInt ? v.as_int() : -1; }

std::string Match(const std::string& text, const char* pattern) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(pattern))) {
    ADD_FAILURE() << "no " << pattern << " in:\n" << text;
    return "";
  }
  return m[1];
}
std::string CodeOf(const mail::Message& m) { return Match(m.text, R"(enter this code: (\d{6}))"); }
std::string LinkTokenOf(const mail::Message& m) { return Match(m.text, R"([?&]token=([0-9a-f]+))"); }

// Another valid-looking code: the next one, wrapping at 999999.
std::string WrongCode(const std::string& code) {
  char out[8];
  std::snprintf(out, sizeof out, "%06d", (std::stoi(code) + 1) % 1'000'000);
  return out;
}

class EmailTokensTest : public ::testing::Test {
 protected:
  User CreateUser(const std::string& email, bool confirmed = false) {
    auto txn = db_.store().Begin(store::Access::kWrite);
    NewUser fields;
    fields.email = email;
    fields.confirmed = confirmed;
    auto user = users::Create(**txn, fields);
    EXPECT_TRUE(user.ok()) << Describe(user.error());
    EXPECT_TRUE((*txn)->Commit().ok());
    return *user;
  }

  User Reload(const std::string& id) {
    auto txn = db_.store().Begin(store::Access::kRead);
    auto user = users::FindById(**txn, id);
    EXPECT_TRUE(user.ok() && user->has_value());
    return **user;
  }

  mail::Message Issue(const std::string& user_id, EmailPurpose purpose, const std::string& to,
                      std::string_view redirect_to = {}) {
    const User user = Reload(user_id);
    auto txn = db_.store().Begin(store::Access::kWrite);
    auto message = tokens_.Issue(**txn, user, purpose, to, client_, redirect_to);
    EXPECT_TRUE(message.ok()) << Describe(message.error());
    EXPECT_TRUE((*txn)->Commit().ok());
    return message.ok() ? *message : mail::Message{};
  }

  // Each verification commits whatever the outcome, as the handlers do.
  Result<VerifiedToken> VerifyCode(const std::string& email, std::span<const EmailPurpose> purposes,
                                   const std::string& code) {
    auto txn = db_.store().Begin(store::Access::kWrite);
    auto verified = tokens_.VerifyCode(**txn, email, purposes, code, client_);
    EXPECT_TRUE((*txn)->Commit().ok());
    return verified;
  }

  Result<VerifiedToken> VerifyLink(const std::string& token, std::span<const EmailPurpose> purposes) {
    auto txn = db_.store().Begin(store::Access::kWrite);
    auto verified = tokens_.VerifyLink(**txn, token, purposes, client_);
    EXPECT_TRUE((*txn)->Commit().ok());
    return verified;
  }

  Result<User> Apply(const VerifiedToken& verified) {
    auto txn = db_.store().Begin(store::Access::kWrite);
    auto user = tokens_.Apply(**txn, verified);
    if (user.ok()) {
      EXPECT_TRUE((*txn)->Commit().ok());
    }
    return user;
  }

  // A failed expectation must not end the test binary: wrong kinds read as markers.
  std::string ScalarText(std::string_view sql, std::vector<Value> params) {
    return Text(db_.Scalar(sql, std::move(params)));
  }
  int64_t ScalarInt(std::string_view sql, std::vector<Value> params) {
    return Int(db_.Scalar(sql, std::move(params)));
  }

  static void ExpectRefused(const Result<VerifiedToken>& result, const char* what) {
    ASSERT_FALSE(result.ok()) << what << " was accepted";
    EXPECT_EQ(result.error().code, ErrorCode::kPermissionDenied) << what;
    EXPECT_EQ(result.error().reason, "otp_expired") << what;
    EXPECT_EQ(result.error().message, "Token has expired or is invalid") << what;
  }

  testing::MigratedStore db_;
  const AuthConfig config_ = TestConfig();
  FakeClock clock_;
  EmailTokens tokens_{config_, clock_};
  const ClientInfo client_{"203.0.113.7", "email-tokens-test"};
};

TEST_F(EmailTokensTest, StoresOnlyKeyedHashesOfTheCodeAndTheLink) {
  const User user = CreateUser("ada@example.com");
  const mail::Message message = Issue(user.id, EmailPurpose::kSignup, "ada@example.com");
  const std::string code = CodeOf(message);
  const std::string link = LinkTokenOf(message);
  ASSERT_EQ(code.size(), 6u);
  ASSERT_EQ(link.size(), 48u);
  EXPECT_EQ(message.to, "ada@example.com");
  EXPECT_NE(message.text.find("http://127.0.0.1:54321/auth/v1/verify?token=" + link +
                              "&type=signup&redirect_to=http%3A%2F%2Flocalhost%3A3000"),
            std::string::npos)
      << message.text;

  auto rows = db_.Query(
      "SELECT token, purpose, json_extract(metadata, '$.kind'), json_extract(metadata, '$.email'), "
      "ip_address, user_agent, expires_at, verification_attempts FROM one_time_tokens WHERE target_id = $1 "
      "ORDER BY json_extract(metadata, '$.kind')",
      {Value::Text(user.id)});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->rows.size(), 2u);
  std::set<std::string> hashes;
  for (const auto& r : rows->rows) {
    const std::string stored = Text(r[0]);
    hashes.insert(stored);
    EXPECT_EQ(stored.size(), 64u);
    EXPECT_EQ(stored.find(code), std::string::npos) << "the code is visible in the stored token";
    EXPECT_EQ(stored.find(link), std::string::npos) << "the link is visible in the stored token";
    // Keyed, not a plain digest anyone could recompute for a million codes.
    EXPECT_NE(stored, crypto::Sha256Hex(code));
    EXPECT_NE(stored, crypto::Sha256Hex(link));
    EXPECT_EQ(Text(r[1]), "signup");
    EXPECT_EQ(Text(r[3]), "ada@example.com");
    EXPECT_EQ(Text(r[4]), "203.0.113.7");
    EXPECT_EQ(Text(r[5]), "email-tokens-test");
    EXPECT_EQ(Text(r[6]), FormatTimestamp(clock_.Now() + std::chrono::seconds(3600)));
    EXPECT_EQ(Int(r[7]), 0);
  }
  EXPECT_EQ(Text(rows->rows[0][2]), "code");
  EXPECT_EQ(Text(rows->rows[1][2]), "link");
  EXPECT_EQ(hashes.size(), 2u);
  EXPECT_EQ(Reload(user.id).confirmation_sent_at, FormatTimestamp(clock_.Now()));
}

TEST_F(EmailTokensTest, CodesAreSixUniformDigits) {
  const User user = CreateUser("digits@example.com");
  std::set<std::string> codes;
  for (int i = 0; i < 25; ++i) {
    const std::string code = CodeOf(Issue(user.id, EmailPurpose::kEmailOtp, user.email));
    ASSERT_TRUE(std::regex_match(code, std::regex(R"(\d{6})"))) << code;
    codes.insert(code);
  }
  EXPECT_GE(codes.size(), 24u) << "25 draws from a million values should hardly repeat";
}

TEST_F(EmailTokensTest, ACodeWorksOnceAndEndsItsLink) {
  const User user = CreateUser("once@example.com");
  const mail::Message message = Issue(user.id, EmailPurpose::kSignup, user.email);
  auto verified = VerifyCode(user.email, kSignup, CodeOf(message));
  ASSERT_TRUE(verified.ok()) << Describe(verified.error());
  EXPECT_EQ(verified->user.id, user.id);
  EXPECT_EQ(verified->purpose, EmailPurpose::kSignup);
  EXPECT_EQ(verified->email, user.email);
  ExpectRefused(VerifyCode(user.email, kSignup, CodeOf(message)), "a used code");
  ExpectRefused(VerifyLink(LinkTokenOf(message), kSignup), "the link of a used code");
  EXPECT_EQ(ScalarText("SELECT revoked_reason FROM one_time_tokens WHERE target_id = $1 AND revoked = 1",
                       {Value::Text(user.id)}),
            "sibling_used");
  EXPECT_EQ(ScalarInt("SELECT count(*) FROM one_time_tokens WHERE target_id = $1 AND used_at IS NOT NULL",
                      {Value::Text(user.id)}),
            1);
}

TEST_F(EmailTokensTest, ALinkWorksOnceAndEndsItsCode) {
  const User user = CreateUser("link@example.com");
  const mail::Message message = Issue(user.id, EmailPurpose::kRecovery, user.email);
  auto verified = VerifyLink(LinkTokenOf(message), kRecovery);
  ASSERT_TRUE(verified.ok()) << Describe(verified.error());
  EXPECT_EQ(verified->user.id, user.id);
  EXPECT_EQ(verified->purpose, EmailPurpose::kRecovery);
  ExpectRefused(VerifyLink(LinkTokenOf(message), kRecovery), "a used link");
  ExpectRefused(VerifyCode(user.email, kRecovery, CodeOf(message)), "the code of a used link");
}

TEST_F(EmailTokensTest, ANewMessageRevokesTheEarlierOne) {
  const User user = CreateUser("again@example.com");
  const mail::Message first = Issue(user.id, EmailPurpose::kSignup, user.email);
  mail::Message second = Issue(user.id, EmailPurpose::kSignup, user.email);
  while (CodeOf(second) == CodeOf(first)) second = Issue(user.id, EmailPurpose::kSignup, user.email);
  EXPECT_EQ(ScalarInt("SELECT count(*) FROM one_time_tokens WHERE target_id = $1 AND revoked = 1 "
                      "AND revoked_reason = 'superseded' AND revoked_at IS NOT NULL",
                      {Value::Text(user.id)}),
            ScalarInt("SELECT count(*) FROM one_time_tokens WHERE target_id = $1", {Value::Text(user.id)}) - 2);
  ExpectRefused(VerifyCode(user.email, kSignup, CodeOf(first)), "a superseded code");
  ExpectRefused(VerifyLink(LinkTokenOf(first), kSignup), "a superseded link");
  EXPECT_TRUE(VerifyCode(user.email, kSignup, CodeOf(second)).ok());
}

TEST_F(EmailTokensTest, AMessageOfAnotherPurposeIsUntouchedByIssue) {
  const User user = CreateUser("both@example.com");
  const mail::Message recovery = Issue(user.id, EmailPurpose::kRecovery, user.email);
  Issue(user.id, EmailPurpose::kSignup, user.email);
  EXPECT_TRUE(VerifyLink(LinkTokenOf(recovery), kRecovery).ok());
}

TEST_F(EmailTokensTest, ExpiredCodesAndLinksAreRefused) {
  const User user = CreateUser("late@example.com");
  const mail::Message message = Issue(user.id, EmailPurpose::kSignup, user.email);
  clock_.Advance(std::chrono::seconds(3601));
  ExpectRefused(VerifyCode(user.email, kSignup, CodeOf(message)), "an expired code");
  ExpectRefused(VerifyLink(LinkTokenOf(message), kSignup), "an expired link");
}

TEST_F(EmailTokensTest, ACodeJustBeforeExpiryWorks) {
  const User user = CreateUser("intime@example.com");
  const mail::Message message = Issue(user.id, EmailPurpose::kSignup, user.email);
  clock_.Advance(std::chrono::seconds(3599));
  EXPECT_TRUE(VerifyCode(user.email, kSignup, CodeOf(message)).ok());
}

TEST_F(EmailTokensTest, WrongGuessesAreCountedAndTheCapKillsTheCode) {
  const User user = CreateUser("guess@example.com");
  const mail::Message message = Issue(user.id, EmailPurpose::kSignup, user.email);
  const std::string code = CodeOf(message);
  std::string guess = code;
  for (int i = 0; i < config_.max_verification_attempts; ++i) {
    guess = WrongCode(guess);
    ExpectRefused(VerifyCode(user.email, kSignup, guess), "a wrong code");
  }
  EXPECT_EQ(ScalarInt("SELECT verification_attempts FROM one_time_tokens WHERE target_id = $1 "
                      "AND json_extract(metadata, '$.kind') = 'code'",
                      {Value::Text(user.id)}),
            config_.max_verification_attempts);
  EXPECT_EQ(ScalarText("SELECT last_verification_ip FROM one_time_tokens WHERE target_id = $1 "
                       "AND json_extract(metadata, '$.kind') = 'code'",
                       {Value::Text(user.id)}),
            "203.0.113.7");
  ExpectRefused(VerifyCode(user.email, kSignup, code), "the right code after too many wrong ones");
  // The link is 192 random bits, not guessable: it stays usable.
  EXPECT_TRUE(VerifyLink(LinkTokenOf(message), kSignup).ok());
}

TEST_F(EmailTokensTest, TheRightCodeWorksWhileAttemptsRemain) {
  const User user = CreateUser("almost@example.com");
  const std::string code = CodeOf(Issue(user.id, EmailPurpose::kSignup, user.email));
  std::string guess = code;
  for (int i = 0; i < config_.max_verification_attempts - 1; ++i) {
    guess = WrongCode(guess);
    ExpectRefused(VerifyCode(user.email, kSignup, guess), "a wrong code");
  }
  EXPECT_TRUE(VerifyCode(user.email, kSignup, code).ok());
}

TEST_F(EmailTokensTest, EveryFailureIsTheSameError) {
  const User user = CreateUser("same@example.com");
  const mail::Message used = Issue(user.id, EmailPurpose::kRecovery, user.email);
  ASSERT_TRUE(VerifyCode(user.email, kRecovery, CodeOf(used)).ok());
  const mail::Message live = Issue(user.id, EmailPurpose::kSignup, user.email);

  ExpectRefused(VerifyCode("nobody@example.com", kSignup, CodeOf(live)), "an unknown address");
  ExpectRefused(VerifyCode(user.email, kSignup, WrongCode(CodeOf(live))), "a wrong code");
  ExpectRefused(VerifyCode(user.email, kSignup, "12a456"), "a malformed code");
  ExpectRefused(VerifyCode(user.email, kSignup, ""), "an empty code");
  ExpectRefused(VerifyCode(user.email, kRecovery, CodeOf(used)), "a used code");
  ExpectRefused(VerifyCode(user.email, kRecovery, CodeOf(live)), "a code of another purpose");
  ExpectRefused(VerifyLink(LinkTokenOf(live), kRecovery), "a link of another purpose");
  ExpectRefused(VerifyLink(std::string(48, 'a'), kSignup), "an unknown link");
  ExpectRefused(VerifyLink("", kSignup), "an empty link");
  clock_.Advance(std::chrono::seconds(3601));
  ExpectRefused(VerifyCode(user.email, kSignup, CodeOf(live)), "an expired code");
}

TEST_F(EmailTokensTest, ApplyConfirmsTheAddress) {
  const User user = CreateUser("confirm@example.com");
  ASSERT_FALSE(user.confirmed());
  auto verified = VerifyCode(user.email, kSignup, CodeOf(Issue(user.id, EmailPurpose::kSignup, user.email)));
  ASSERT_TRUE(verified.ok());
  auto applied = Apply(*verified);
  ASSERT_TRUE(applied.ok()) << Describe(applied.error());
  EXPECT_TRUE(applied->confirmed());
  EXPECT_EQ(applied->email_confirmed_at, FormatTimestamp(clock_.Now()));
}

TEST_F(EmailTokensTest, AnEmailChangeIsProvenAtTheNewAddressAndMovesTheAccountEmail) {
  const User user = CreateUser("old@example.com", /*confirmed=*/true);
  const mail::Message recovery = Issue(user.id, EmailPurpose::kRecovery, user.email);
  const mail::Message change = Issue(user.id, EmailPurpose::kEmailChange, "new@example.com");
  EXPECT_EQ(change.to, "new@example.com");
  EXPECT_EQ(Reload(user.id).email_change, "new@example.com");
  EXPECT_FALSE(Reload(user.id).email_change_sent_at.empty());

  ExpectRefused(VerifyCode("old@example.com", kEmailChange, CodeOf(change)), "the code at the old address");
  auto verified = VerifyCode("new@example.com", kEmailChange, CodeOf(change));
  ASSERT_TRUE(verified.ok()) << Describe(verified.error());
  EXPECT_EQ(verified->email, "new@example.com");
  auto applied = Apply(*verified);
  ASSERT_TRUE(applied.ok()) << Describe(applied.error());
  EXPECT_EQ(applied->email, "new@example.com");
  EXPECT_EQ(applied->email_change, "");
  EXPECT_EQ(ScalarText("SELECT email FROM accounts WHERE id = $1 AND is_personal_account = 1",
                       {Value::Text(user.id)}),
            "new@example.com");
  // A message sent to the old address no longer acts on the account.
  ExpectRefused(VerifyLink(LinkTokenOf(recovery), kRecovery), "a recovery link sent before the change");
}

TEST_F(EmailTokensTest, AnEmailChangeToAnAddressTakenMeanwhileIsRefused) {
  const User user = CreateUser("mover@example.com", true);
  const mail::Message change = Issue(user.id, EmailPurpose::kEmailChange, "taken@example.com");
  CreateUser("taken@example.com");
  auto verified = VerifyCode("taken@example.com", kEmailChange, CodeOf(change));
  ASSERT_TRUE(verified.ok()) << Describe(verified.error());
  auto applied = Apply(*verified);
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().reason, "email_exists");
  EXPECT_EQ(Reload(user.id).email, "mover@example.com");
}

TEST_F(EmailTokensTest, AnEmailChangeNoLongerPendingIsRefused) {
  const User user = CreateUser("pending@example.com", true);
  const mail::Message change = Issue(user.id, EmailPurpose::kEmailChange, "first@example.com");
  auto verified = VerifyLink(LinkTokenOf(change), kEmailChange);
  ASSERT_TRUE(verified.ok());
  VerifiedToken stale = *verified;
  stale.user.email_change = "second@example.com";  // as if the user asked again meanwhile
  auto applied = Apply(stale);
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().reason, "otp_expired");
}

TEST(AllowedRedirect, StaysOnTheSite) {
  const AuthConfig config = TestConfig();
  EXPECT_EQ(AllowedRedirect(config, ""), "http://localhost:3000");
  EXPECT_EQ(AllowedRedirect(config, "http://localhost:3000"), "http://localhost:3000");
  EXPECT_EQ(AllowedRedirect(config, "http://localhost:3000/welcome?x=1"), "http://localhost:3000/welcome?x=1");
  EXPECT_EQ(AllowedRedirect(config, "http://localhost:3000#top"), "http://localhost:3000#top");
  EXPECT_EQ(AllowedRedirect(config, "https://evil.example/"), "http://localhost:3000");
  EXPECT_EQ(AllowedRedirect(config, "http://localhost:3000.evil.example/"), "http://localhost:3000");
  EXPECT_EQ(AllowedRedirect(config, "http://localhost:3000@evil.example/"), "http://localhost:3000");
  EXPECT_EQ(AllowedRedirect(config, "http://localhost:3000/\r\nSet-Cookie: x=1"), "http://localhost:3000");
  EXPECT_EQ(AllowedRedirect(config, "http://localhost:3000/a b"), "http://localhost:3000");
}

}  // namespace
}  // namespace tb::auth
