// mail/smtp_mailer.h
//
// Sends mail through the SMTP server of TENANTBASE_SMTP_URL (smtp://host:port, or
// smtps://; user:password@ in the URL for AUTH) with libcurl.
//
// Thread-safety: thread-safe (one curl easy handle per Send).
#pragma once

#include <memory>
#include <string>

#include "mail/mailer.h"

namespace tb::mail {

class SmtpMailer final : public Mailer {
 public:
  // Fails (kInvalidArgument) when `url` is not smtp:// or smtps://.
  static Result<std::unique_ptr<SmtpMailer>> Open(std::string url, std::string from);
  Status Send(const Message& message) override;

 private:
  SmtpMailer(std::string url, std::string from) : url_(std::move(url)), from_(std::move(from)) {}
  const std::string url_;
  const std::string from_;
};

}  // namespace tb::mail
