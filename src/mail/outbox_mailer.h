// mail/outbox_mailer.h
//
// The mailer used when no SMTP server is configured: each message becomes one .eml
// file (RFC 5322 text) in the outbox directory, written atomically, named by time so a
// directory listing is in sending order.
//
// Thread-safety: thread-safe (each Send writes its own file).
#pragma once

#include <memory>
#include <string>

#include "mail/mailer.h"

namespace tb::mail {

class OutboxMailer final : public Mailer {
 public:
  static Result<std::unique_ptr<OutboxMailer>> Open(std::string dir, std::string from);
  Status Send(const Message& message) override;

 private:
  OutboxMailer(std::string dir, std::string from) : dir_(std::move(dir)), from_(std::move(from)) {}
  const std::string dir_;
  const std::string from_;
};

}  // namespace tb::mail
