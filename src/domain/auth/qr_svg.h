// domain/auth/qr_svg.h
//
// The QR code that authenticator apps scan at TOTP enrollment, drawn as SVG (libqrencode
// makes the matrix). GoTrue answers the bare <svg> document and supabase-js prefixes
// "data:image/svg+xml;utf-8," itself, so the text must survive in a data URI unescaped:
// it holds no '#', '%' or newline.
//
// Thread-safety: a pure function; call from any thread.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace tb::auth {

// Encodes `text` (byte mode, error correction level M, a 4-module quiet zone) and returns
// the <svg …>…</svg> document, 4 pixels per module. Fails with kInvalidArgument when
// `text` is empty, contains NUL, or is too long for any QR version; kInternal when
// libqrencode fails otherwise.
Result<std::string> QrSvg(std::string_view text);

}  // namespace tb::auth
