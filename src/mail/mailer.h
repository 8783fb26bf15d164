// mail/mailer.h
//
// Outgoing mail (DESIGN §3): with TENANTBASE_SMTP_URL set, messages go to that SMTP server
// through libcurl; otherwise each message is written as an .eml file under DATA/outbox/
// (and logged), which is how tests and local development read them.
//
// Thread-safety: Send may be called from any thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tb::mail {

struct Message {
  std::string to;
  std::string subject;
  std::string text;  // plain-text body
};

class Mailer {
 public:
  virtual ~Mailer() = default;
  // Delivers `message` (or writes it to the outbox). Fails with kUnavailable/kIo.
  virtual Status Send(const Message& message) = 0;
};

// Header values must not carry line breaks: each would start a header of the client's
// choosing (Bcc:, a second body, …). They become spaces.
std::string HeaderSafe(std::string_view value);

// "Name <a@b>" → "a@b"; "a@b" → "a@b". Empty when there is no usable address.
std::string EnvelopeAddress(std::string_view from);

// The RFC 5322 text of `message` from `from`, every line ending in CRLF: safe headers, a
// non-ASCII subject as an RFC 2047 encoded-word, Date, Message-ID, and a UTF-8 text body.
// (SMTP dot-stuffing is left to libcurl.)
std::string FormatMessage(const Message& message, std::string_view from);

// The mailer for the configuration: SMTP when `smtp_url` is non-empty, else the outbox
// directory `outbox_dir` (created if missing). `from` is the sender address.
Result<std::unique_ptr<Mailer>> MakeMailer(const std::string& smtp_url, const std::string& outbox_dir,
                                           const std::string& from);

}  // namespace tb::mail
