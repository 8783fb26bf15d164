#include "mail/mailer.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "base/clock.h"
#include "base/strings.h"
#include "crypto/base64.h"
#include "crypto/random.h"
#include "mail/outbox_mailer.h"
#include "mail/smtp_mailer.h"

namespace tb::mail {

namespace {

bool HasLineBreak(std::string_view text) { return text.find_first_of("\r\n") != std::string_view::npos; }

}  // namespace

std::string HeaderSafe(std::string_view value) {
  std::string out(value);
  std::replace_if(out.begin(), out.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return out;
}

std::string EnvelopeAddress(std::string_view from) {
  const size_t open = from.rfind('<');
  const size_t close = from.rfind('>');
  std::string_view address = from;
  if (open != std::string_view::npos && close != std::string_view::npos && open < close) {
    address = from.substr(open + 1, close - open - 1);
  }
  address = Trim(address);
  if (address.find('@') == std::string_view::npos || HasLineBreak(address) ||
      address.find_first_of("<> \t") != std::string_view::npos) {
    return "";
  }
  return std::string(address);
}

namespace {

// RFC 2047: a header value with non-ASCII bytes travels as one base64 encoded-word.
std::string EncodedHeader(std::string_view value) {
  const std::string safe = HeaderSafe(value);
  const bool ascii = std::all_of(safe.begin(), safe.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) return safe;
  return "=?UTF-8?B?" + crypto::Base64Encode(safe) + "?=";
}

// "Sat, 28 Nov 2026 05:26:39 +0000" — spelled out, so no locale can change it.
std::string Rfc5322Date(SystemTime now) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t seconds = static_cast<std::time_t>(UnixSeconds(now));
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buffer;
}

// Every line ends in CRLF, as SMTP requires; bare CR or LF become CRLF.
std::string CrlfLines(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32 + 2);
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r') {
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
      out += "\r\n";
    } else if (c == '\n') {
      out += "\r\n";
    } else {
      out += c;
    }
  }
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
  return out;
}

}  // namespace

std::string FormatMessage(const Message& message, std::string_view from) {
  const std::string from_address = EnvelopeAddress(from);
  const size_t at = from_address.find('@');
  const std::string domain = at == std::string_view::npos ? "localhost" : std::string(from_address.substr(at + 1));
  return "From: " + HeaderSafe(from) + "\r\nTo: " + HeaderSafe(message.to) +
         "\r\nSubject: " + EncodedHeader(message.subject) +
         "\r\nDate: " + Rfc5322Date(SystemClock::Instance().Now()) +
         "\r\nMessage-ID: <" + crypto::RandomHex(16) + "@" + domain + ">" +
         "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8"
         "\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
         CrlfLines(message.text);
}

Result<std::unique_ptr<Mailer>> MakeMailer(const std::string& smtp_url, const std::string& outbox_dir,
                                           const std::string& from) {
  if (!smtp_url.empty()) {
    auto smtp = SmtpMailer::Open(smtp_url, from);
    if (!smtp) return std::move(smtp).error();
    return std::unique_ptr<Mailer>(std::move(*smtp));
  }
  auto outbox = OutboxMailer::Open(outbox_dir, from);
  if (!outbox) return std::move(outbox).error();
  return std::unique_ptr<Mailer>(std::move(*outbox));
}

}  // namespace tb::mail
