#include "crypto/totp.h"

#include <gtest/gtest.h>

#include <string>

#include "crypto/base64.h"
#include "crypto/random.h"

namespace tb::crypto {
namespace {

// The ASCII secret of RFC 4226 Appendix D and RFC 6238 Appendix B (SHA-1 rows).
constexpr std::string_view kRfcSecret = "12345678901234567890";

TEST(Hotp, MatchesRfc4226AppendixD) {
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (uint64_t counter = 0; counter < 10; ++counter) {
    EXPECT_EQ(Hotp(kRfcSecret, counter), expected[counter]) << "counter " << counter;
  }
}

TEST(Totp, MatchesRfc6238AppendixBSha1Vectors) {
  struct Vector {
    int64_t time;
    const char* code;  // the RFC lists 8 digits
  };
  const Vector vectors[] = {{59, "94287082"},         {1111111109, "07081804"},
                            {1111111111, "14050471"}, {1234567890, "89005924"},
                            {2000000000, "69279037"}, {20000000000, "65353130"}};
  for (const auto& v : vectors) {
    const uint64_t step = static_cast<uint64_t>(TotpStep(v.time));
    EXPECT_EQ(Hotp(kRfcSecret, step, 8), v.code) << "time " << v.time;
    // Six digits are the last six of the eight.
    EXPECT_EQ(Totp(kRfcSecret, v.time), std::string(v.code).substr(2)) << "time " << v.time;
  }
}

TEST(Totp, StepsAreThirtySecondsAndFloorBeforeTheEpoch) {
  EXPECT_EQ(TotpStep(0), 0);
  EXPECT_EQ(TotpStep(29), 0);
  EXPECT_EQ(TotpStep(30), 1);
  EXPECT_EQ(TotpStep(-1), -1);
}

TEST(VerifyTotp, AcceptsTheCurrentStepAndOneEitherSide) {
  const int64_t now = 1234567890;
  const int64_t step = TotpStep(now);
  for (int64_t offset : {-1, 0, 1}) {
    const std::string code = Hotp(kRfcSecret, static_cast<uint64_t>(step + offset));
    EXPECT_EQ(VerifyTotp(kRfcSecret, code, now), step + offset) << "offset " << offset;
  }
}

TEST(VerifyTotp, RefusesCodesTwoStepsAway) {
  const int64_t now = 1234567890;
  const int64_t step = TotpStep(now);
  for (int64_t offset : {-2, 2}) {
    const std::string code = Hotp(kRfcSecret, static_cast<uint64_t>(step + offset));
    ASSERT_NE(code, Totp(kRfcSecret, now));
    EXPECT_EQ(VerifyTotp(kRfcSecret, code, now), std::nullopt) << "offset " << offset;
  }
  // A window of 2 widens it.
  const std::string two_back = Hotp(kRfcSecret, static_cast<uint64_t>(step - 2));
  EXPECT_EQ(VerifyTotp(kRfcSecret, two_back, now, 2), step - 2);
  // A window of 0 accepts only now.
  EXPECT_EQ(VerifyTotp(kRfcSecret, Hotp(kRfcSecret, static_cast<uint64_t>(step - 1)), now, 0),
            std::nullopt);
  EXPECT_EQ(VerifyTotp(kRfcSecret, Totp(kRfcSecret, now), now, 0), step);
}

TEST(VerifyTotp, MinStepRefusesReplayOfAnAcceptedCode) {
  const int64_t now = 1234567890;
  const std::string code = Totp(kRfcSecret, now);
  const auto first = VerifyTotp(kRfcSecret, code, now);
  ASSERT_TRUE(first.has_value());
  // The caller stores the step and passes step + 1 from then on: the same code, still
  // inside its window, no longer verifies …
  EXPECT_EQ(VerifyTotp(kRfcSecret, code, now, 1, *first + 1), std::nullopt);
  EXPECT_EQ(VerifyTotp(kRfcSecret, code, now + 29, 1, *first + 1), std::nullopt);
  // … while the next step's code does.
  const std::string next = Totp(kRfcSecret, now + 30);
  EXPECT_EQ(VerifyTotp(kRfcSecret, next, now + 30, 1, *first + 1), *first + 1);
  // An earlier step's code (still inside the window) is refused once a later one was used.
  const std::string previous = Totp(kRfcSecret, now - 30);
  EXPECT_EQ(VerifyTotp(kRfcSecret, previous, now, 1), *first - 1);
  EXPECT_EQ(VerifyTotp(kRfcSecret, previous, now, 1, *first + 1), std::nullopt);
}

TEST(VerifyTotp, RefusesMalformedCodesAndOtherSecrets) {
  const int64_t now = 1234567890;
  const std::string code = Totp(kRfcSecret, now);
  EXPECT_EQ(VerifyTotp(kRfcSecret, "", now), std::nullopt);
  EXPECT_EQ(VerifyTotp(kRfcSecret, code.substr(0, 5), now), std::nullopt);
  EXPECT_EQ(VerifyTotp(kRfcSecret, code + "0", now), std::nullopt);
  EXPECT_EQ(VerifyTotp(kRfcSecret, " " + code.substr(1), now), std::nullopt);
  EXPECT_EQ(VerifyTotp(kRfcSecret, "12345a", now), std::nullopt);
  EXPECT_EQ(VerifyTotp("another secret of twenty", code, now), std::nullopt);
  EXPECT_TRUE(VerifyTotp(kRfcSecret, code, now).has_value());
}

TEST(Base32, MatchesRfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},          {"f", "MY"},         {"fo", "MZXQ"},         {"foo", "MZXW6"},
      {"foob", "MZXW6YQ"}, {"fooba", "MZXW6YTB"}, {"foobar", "MZXW6YTBOI"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base32Encode(plain), encoded);
    EXPECT_EQ(Base32Decode(encoded), std::string(plain));
  }
  EXPECT_EQ(Base32Encode(kRfcSecret), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

TEST(Base32, DecodesPaddingAndLowerCase) {
  EXPECT_EQ(Base32Decode("MY======"), std::string("f"));
  EXPECT_EQ(Base32Decode("MZXW6YTBOI======"), std::string("foobar"));
  EXPECT_EQ(Base32Decode("mzxw6ytboi"), std::string("foobar"));
}

TEST(Base32, RoundTripsRandomBytesOfEveryLength) {
  for (std::size_t n = 0; n <= 41; ++n) {
    const std::string bytes = RandomBytes(n);
    const std::string encoded = Base32Encode(bytes);
    EXPECT_EQ(encoded.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), std::string::npos);
    EXPECT_EQ(Base32Decode(encoded), bytes) << "length " << n;
  }
}

TEST(Base32, RefusesWhatNoEncoderProduces) {
  EXPECT_EQ(Base32Decode("MZXW6YT1"), std::nullopt);   // '1' is not in the alphabet
  EXPECT_EQ(Base32Decode("MZ XW"), std::nullopt);      // spaces
  EXPECT_EQ(Base32Decode("M"), std::nullopt);          // 1, 3 or 6 trailing characters
  EXPECT_EQ(Base32Decode("MZX"), std::nullopt);
  EXPECT_EQ(Base32Decode("MZXW6Y"), std::nullopt);
  EXPECT_EQ(Base32Decode("MY====="), std::nullopt);    // padding to no multiple of 8
  EXPECT_EQ(Base32Decode("MZXQ============"), std::nullopt);  // "MZXQ" takes four '='
  EXPECT_EQ(Base32Decode("MZ======"), std::nullopt);   // non-zero leftover bits
  EXPECT_EQ(Base32Decode("M=Y====="), std::nullopt);   // padding in the middle
  EXPECT_EQ(Base32Decode("========"), std::nullopt);
  EXPECT_EQ(Base32Decode("MY"), std::string("f"));
}

class TotpSealTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(Init()); }
};

TEST_F(TotpSealTest, SealedSecretOpensUnderTheSameServerSecretOnly) {
  const std::string secret = RandomBytes(kTotpSecretBytes);
  const std::string sealed = SealTotpSecret(secret, "server secret one");
  EXPECT_EQ(OpenTotpSecret(sealed, "server secret one"), secret);
  EXPECT_EQ(OpenTotpSecret(sealed, "server secret two"), std::nullopt);
}

TEST_F(TotpSealTest, SealingHidesTheSecretAndUsesAFreshNonce) {
  const std::string secret = "GEZDGNBVGY3TQOJQGEZD";
  const std::string a = SealTotpSecret(secret, "server");
  const std::string b = SealTotpSecret(secret, "server");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find(secret), std::string::npos);
  EXPECT_EQ(Base64Decode(a)->find(secret), std::string::npos);
}

TEST_F(TotpSealTest, AlteredOrTruncatedSealsDoNotOpen) {
  const std::string sealed = SealTotpSecret("secret bytes", "server");
  auto raw = *Base64Decode(sealed);
  for (std::size_t i : {std::size_t{0}, raw.size() / 2, raw.size() - 1}) {
    std::string altered = raw;
    altered[i] = static_cast<char>(altered[i] ^ 1);
    EXPECT_EQ(OpenTotpSecret(Base64Encode(altered), "server"), std::nullopt) << "byte " << i;
  }
  EXPECT_EQ(OpenTotpSecret(Base64Encode(raw.substr(0, 39)), "server"), std::nullopt);
  EXPECT_EQ(OpenTotpSecret("not base64 at all!", "server"), std::nullopt);
  EXPECT_EQ(OpenTotpSecret("", "server"), std::nullopt);
  EXPECT_EQ(OpenTotpSecret(sealed, "server"), std::string("secret bytes"));
}

}  // namespace
}  // namespace tb::crypto
