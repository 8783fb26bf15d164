#include "domain/auth/qr_svg.h"

#include <gtest/gtest.h>
#include <qrencode.h>

#include <regex>
#include <string>
#include <vector>

namespace tb::auth {
namespace {

constexpr char kUri[] =
    "otpauth://totp/localhost:ada@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    "&issuer=localhost&algorithm=SHA1&digits=6&period=30";

// The dark modules the SVG draws, as a size × size grid (quiet zone included), read
// back from its "Mx yhNv1h-Nz" runs.
std::vector<std::vector<bool>> Drawn(const std::string& svg, int size) {
  std::vector<std::vector<bool>> grid(size, std::vector<bool>(size, false));
  const std::regex run(R"(M(\d+) (\d+)h(\d+)v1h-(\d+)z)");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), run); it != std::sregex_iterator(); ++it) {
    const int x = std::stoi((*it)[1]);
    const int y = std::stoi((*it)[2]);
    const int n = std::stoi((*it)[3]);
    EXPECT_EQ(n, std::stoi((*it)[4]));
    for (int i = 0; i < n; ++i) grid.at(y).at(x + i) = true;
  }
  return grid;
}

int ViewBoxSize(const std::string& svg) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(svg, m, std::regex(R"re(viewBox="0 0 (\d+) (\d+)")re")));
  EXPECT_EQ(m[1], m[2]);
  return std::stoi(m[1]);
}

TEST(QrSvg, DrawsEveryModuleOfTheSymbolInsideAQuietZone) {
  auto svg = QrSvg(kUri);
  ASSERT_TRUE(svg.ok()) << Describe(svg.error());
  QRcode* code = QRcode_encodeString8bit(kUri, 0, QR_ECLEVEL_M);
  ASSERT_NE(code, nullptr);
  const int width = code->width;
  const int size = ViewBoxSize(*svg);
  ASSERT_EQ(size, width + 8);
  const auto grid = Drawn(*svg, size);
  int mismatches = 0;
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      const bool inside = x >= 4 && y >= 4 && x < width + 4 && y < width + 4;
      const bool dark = inside && (code->data[(y - 4) * width + (x - 4)] & 1) != 0;
      if (grid[y][x] != dark) ++mismatches;
    }
  }
  QRcode_free(code);
  EXPECT_EQ(mismatches, 0);
}

TEST(QrSvg, HasTheThreeFinderPatterns) {
  auto svg = QrSvg(kUri);
  ASSERT_TRUE(svg.ok());
  const int size = ViewBoxSize(*svg);
  const auto grid = Drawn(*svg, size);
  const int far = size - 4 - 7;  // where the right and bottom patterns start
  for (const auto& [ox, oy] : {std::pair{4, 4}, std::pair{far, 4}, std::pair{4, far}}) {
    for (int y = 0; y < 7; ++y) {
      for (int x = 0; x < 7; ++x) {
        const bool ring = x == 0 || y == 0 || x == 6 || y == 6;
        const bool core = x >= 2 && x <= 4 && y >= 2 && y <= 4;
        EXPECT_EQ(grid[oy + y][ox + x], ring || core) << "pattern at " << ox << "," << oy;
      }
    }
  }
}

TEST(QrSvg, IsAnSvgDocumentThatSurvivesAnUnescapedDataUri) {
  auto svg = QrSvg(kUri);
  ASSERT_TRUE(svg.ok());
  EXPECT_EQ(svg->rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_EQ(svg->substr(svg->size() - 6), "</svg>");
  EXPECT_EQ(svg->find_first_of("#%\n\r"), std::string::npos);
}

TEST(QrSvg, RefusesEmptyAndOversizedText) {
  auto empty = QrSvg("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);
  auto nul = QrSvg(std::string_view("a\0b", 3));
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.error().code, ErrorCode::kInvalidArgument);
  // Version 40 at level M holds 2,331 bytes.
  auto huge = QrSvg(std::string(3000, 'x'));
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(QrSvg(std::string(2000, 'x')).ok());
}

}  // namespace
}  // namespace tb::auth
