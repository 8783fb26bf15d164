#include "domain/auth/qr_svg.h"

#include <qrencode.h>

#include <cerrno>
#include <memory>

namespace tb::auth {

namespace {

constexpr int kQuietZone = 4;       // modules of white around the code (ISO/IEC 18004)
constexpr int kPixelsPerModule = 4;

struct QrFree {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

}  // namespace

Result<std::string> QrSvg(std::string_view text) {
  if (text.empty() || text.find('\0') != std::string_view::npos) {
    return Error::Make(ErrorCode::kInvalidArgument, "QR code text must be non-empty text");
  }
  const std::string input(text);
  errno = 0;
  std::unique_ptr<QRcode, QrFree> code(
      QRcode_encodeString8bit(input.c_str(), 0, QR_ECLEVEL_M));
  if (!code) {
    if (errno == ERANGE) {
      return Error::Make(ErrorCode::kInvalidArgument, "Text is too long for a QR code");
    }
    return Error::Make(ErrorCode::kInternal, "Error generating QR Code",
                       "QRcode_encodeString8bit failed, errno " + std::to_string(errno));
  }
  const int width = code->width;
  const int size = width + 2 * kQuietZone;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    std::to_string(size * kPixelsPerModule) + "\" height=\"" +
                    std::to_string(size * kPixelsPerModule) + "\" viewBox=\"0 0 " +
                    std::to_string(size) + " " + std::to_string(size) +
                    "\" shape-rendering=\"crispEdges\"><rect width=\"" + std::to_string(size) +
                    "\" height=\"" + std::to_string(size) +
                    "\" fill=\"white\"/><path fill=\"black\" d=\"";
  // One rectangle per horizontal run of dark modules keeps the path short.
  for (int y = 0; y < width; ++y) {
    int x = 0;
    while (x < width) {
      if ((code->data[y * width + x] & 1) == 0) {
        ++x;
        continue;
      }
      const int start = x;
      while (x < width && (code->data[y * width + x] & 1) != 0) ++x;
      svg += "M" + std::to_string(start + kQuietZone) + " " + std::to_string(y + kQuietZone) +
             "h" + std::to_string(x - start) + "v1h-" + std::to_string(x - start) + "z";
    }
  }
  svg += "\"/></svg>";
  return svg;
}

}  // namespace tb::auth
