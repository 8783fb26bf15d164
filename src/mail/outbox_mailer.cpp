#include "mail/outbox_mailer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "base/clock.h"
#include "crypto/random.h"

namespace tb::mail {

Result<std::unique_ptr<OutboxMailer>> OutboxMailer::Open(std::string dir, std::string from) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error::Make(ErrorCode::kIo, "cannot create mail outbox " + dir + ": " + ec.message());
  return std::unique_ptr<OutboxMailer>(new OutboxMailer(std::move(dir), std::move(from)));
}

Status OutboxMailer::Send(const Message& message) {
  const std::string now = FormatTimestamp(SystemClock::Instance().Now());
  const std::string name = now.substr(0, 26) + "-" + crypto::RandomHex(6) + ".eml";
  const std::string text = FormatMessage(message, from_);
  // Write to a temporary name and rename, so a reader never sees half a message.
  const std::string final_path = (std::filesystem::path(dir_) / name).string();
  const std::string temp_path = final_path + ".tmp";
  const int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Error::Make(ErrorCode::kIo, "cannot write mail", temp_path + ": " + std::strerror(errno));
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!written || std::rename(temp_path.c_str(), final_path.c_str()) != 0) {
    std::remove(temp_path.c_str());
    return Error::Make(ErrorCode::kIo, "cannot write mail", final_path);
  }
  spdlog::info("mail to {} (\"{}\") written to {}", HeaderSafe(message.to), HeaderSafe(message.subject), final_path);
  return Ok();
}

}  // namespace tb::mail
