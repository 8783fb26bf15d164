#include "base/strings.h"

#include <gtest/gtest.h>

namespace tb {
namespace {

TEST(Strings, CaseInsensitiveComparisonIsAsciiOnly) {
  EXPECT_TRUE(EqualsIgnoreCase("Content-Type", "content-type"));
  EXPECT_FALSE(EqualsIgnoreCase("Content-Type", "content-typ"));
  EXPECT_TRUE(StartsWithIgnoreCase("Bearer abc", "bearer "));
  EXPECT_EQ(AsciiLower("ÄBC"), "Äbc");
}

TEST(Strings, SplitKeepsEmptyParts) {
  const auto parts = Split("a,,b", ',');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1], "");
  EXPECT_EQ(Split("", ',').size(), 1u);
}

TEST(Strings, TrimRemovesAsciiWhitespaceAtBothEnds) {
  EXPECT_EQ(Trim(" \t x y \r\n"), "x y");
  EXPECT_EQ(Trim("   "), "");
}

TEST(Strings, PercentEncodeKeepsOnlyUnreservedBytes) {
  EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(PercentEncode("http://h:3000/a?b=c&d#e f"), "http%3A%2F%2Fh%3A3000%2Fa%3Fb%3Dc%26d%23e%20f");
  EXPECT_EQ(PercentEncode("\r\n\xc3\xa9"), "%0D%0A%C3%A9");
  EXPECT_EQ(PercentEncode(""), "");
}

TEST(Strings, ParseInt64TakesTheWholeTextOrNothing) {
  EXPECT_EQ(ParseInt64("42"), 42);
  EXPECT_EQ(ParseInt64("-7"), -7);
  EXPECT_EQ(ParseInt64("9223372036854775807"), INT64_MAX);
  for (const char* bad : {"", " 1", "1 ", "1.5", "12a", "+3", "9223372036854775808"}) {
    EXPECT_FALSE(ParseInt64(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace tb
