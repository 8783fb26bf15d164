// SmtpMailer against a fake SMTP server this test runs on 127.0.0.1: the envelope, the
// message text, dot-stuffing, and that nothing a caller puts in a header or a recipient
// can add headers or recipients. Every wait is bounded.
#include "mail/smtp_mailer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "base/strings.h"

namespace tb::mail {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kDeadline = std::chrono::seconds(10);

struct Transcript {
  std::vector<std::string> commands;  // every line outside DATA, in order
  std::vector<std::string> data;      // the DATA lines as received (still dot-stuffed)
  bool quit = false;
};

// Accepts one connection and answers every command with success (no STARTTLS, no AUTH,
// no SIZE), recording what it was told.
class FakeSmtpServer {
 public:
  FakeSmtpServer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 1) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1";
    }
    port_ = ntohs(addr.sin_port);
    done_ = std::async(std::launch::async, [this] { return Serve(); });
  }
  ~FakeSmtpServer() {
    stop_ = true;
    if (done_.valid()) done_.wait();
    ::close(listen_fd_);
  }

  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

  // The conversation, once the client has quit or the deadline passed.
  Transcript Wait() {
    if (done_.wait_for(kDeadline + std::chrono::seconds(1)) != std::future_status::ready) {
      ADD_FAILURE() << "fake SMTP server did not finish";
      return {};
    }
    return done_.get();
  }

 private:
  // Waits until `fd` is readable or the deadline passes.
  bool Readable(int fd) {
    while (!stop_ && Clock::now() < deadline_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) > 0) return true;
    }
    return false;
  }

  bool ReadLine(int fd, std::string& line) {
    for (;;) {
      const size_t end = buffer_.find("\r\n");
      if (end != std::string::npos) {
        line = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        return true;
      }
      if (!Readable(fd)) return false;
      char chunk[4096];
      const ssize_t n = ::read(fd, chunk, sizeof chunk);
      if (n <= 0) return false;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

  static void Reply(int fd, std::string_view text) {
    const std::string line = std::string(text) + "\r\n";
    (void)!::write(fd, line.data(), line.size());
  }

  Transcript Serve() {
    Transcript t;
    deadline_ = Clock::now() + kDeadline;
    if (!Readable(listen_fd_)) return t;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return t;
    Reply(fd, "220 fake.test ESMTP");
    bool in_data = false;
    std::string line;
    while (ReadLine(fd, line)) {
      if (in_data) {
        if (line == ".") {
          in_data = false;
          Reply(fd, "250 OK queued");
        } else {
          t.data.push_back(line);
        }
        continue;
      }
      t.commands.push_back(line);
      const std::string verb = AsciiLower(line.substr(0, 4));
      if (verb == "ehlo" || verb == "helo") {
        Reply(fd, "250 fake.test");
      } else if (verb == "data") {
        in_data = true;
        Reply(fd, "354 End data with <CR><LF>.<CR><LF>");
      } else if (verb == "quit") {
        t.quit = true;
        Reply(fd, "221 Bye");
        break;
      } else {
        Reply(fd, "250 OK");
      }
    }
    ::close(fd);
    return t;
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  Clock::time_point deadline_;
  std::string buffer_;
  std::future<Transcript> done_;
};

std::vector<std::string> Headers(const Transcript& t) {
  std::vector<std::string> headers;
  for (const auto& line : t.data) {
    if (line.empty()) break;
    headers.push_back(line);
  }
  return headers;
}

bool HasLineStartingWith(const std::vector<std::string>& lines, std::string_view prefix) {
  for (const auto& line : lines) {
    if (StartsWithIgnoreCase(line, prefix)) return true;
  }
  return false;
}

std::vector<std::string> CommandsStartingWith(const Transcript& t, std::string_view prefix) {
  std::vector<std::string> out;
  for (const auto& line : t.commands) {
    if (StartsWithIgnoreCase(line, prefix)) out.push_back(line);
  }
  return out;
}

std::unique_ptr<SmtpMailer> OpenFor(const FakeSmtpServer& server) {
  auto mailer = SmtpMailer::Open(server.url(), "Tenantbase <noreply@tenantbase.test>");
  EXPECT_TRUE(mailer.ok()) << Describe(mailer.error());
  return mailer.ok() ? std::move(*mailer) : nullptr;
}

TEST(SmtpMailer, DeliversWithTheRightEnvelopeAndMessage) {
  FakeSmtpServer server;
  auto mailer = OpenFor(server);
  ASSERT_NE(mailer, nullptr);
  const auto started = Clock::now();
  const Status sent = mailer->Send({"ada@example.com", "Reset your password",
                                    "Follow this link:\nhttp://x/verify\n.a line starting with a dot\nbye"});
  ASSERT_TRUE(sent.ok()) << Describe(sent.error());
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(5));
  const Transcript t = server.Wait();

  const auto from = CommandsStartingWith(t, "MAIL FROM:");
  ASSERT_EQ(from.size(), 1u);
  EXPECT_TRUE(from[0].starts_with("MAIL FROM:<noreply@tenantbase.test>")) << from[0];
  const auto rcpt = CommandsStartingWith(t, "RCPT TO:");
  ASSERT_EQ(rcpt.size(), 1u);
  EXPECT_EQ(rcpt[0], "RCPT TO:<ada@example.com>");
  EXPECT_TRUE(t.quit);

  const auto headers = Headers(t);
  EXPECT_TRUE(HasLineStartingWith(headers, "From: Tenantbase <noreply@tenantbase.test>"));
  EXPECT_TRUE(HasLineStartingWith(headers, "To: ada@example.com"));
  EXPECT_TRUE(HasLineStartingWith(headers, "Subject: Reset your password"));
  EXPECT_TRUE(HasLineStartingWith(headers, "Date: "));
  EXPECT_TRUE(HasLineStartingWith(headers, "Message-ID: <"));
  EXPECT_TRUE(HasLineStartingWith(headers, "Content-Type: text/plain; charset=utf-8"));
  // The body, line by line; a leading dot is doubled on the wire (RFC 5321 §4.5.2).
  const std::vector<std::string> body(t.data.begin() + static_cast<long>(headers.size()) + 1, t.data.end());
  const std::vector<std::string> expected = {"Follow this link:", "http://x/verify",
                                             "..a line starting with a dot", "bye"};
  EXPECT_EQ(body, expected);
}

TEST(SmtpMailer, LineBreaksInHeadersCannotAddHeaders) {
  FakeSmtpServer server;
  auto mailer = OpenFor(server);
  ASSERT_NE(mailer, nullptr);
  ASSERT_TRUE(mailer->Send({"ada@example.com", "Hello\r\nBcc: victim@example.com\nX-Evil: 1", "body"}).ok());
  const Transcript t = server.Wait();
  const auto headers = Headers(t);
  EXPECT_FALSE(HasLineStartingWith(headers, "Bcc:"));
  EXPECT_FALSE(HasLineStartingWith(headers, "X-Evil:"));
  EXPECT_TRUE(HasLineStartingWith(headers, "Subject: Hello  Bcc: victim@example.com X-Evil: 1"));
  EXPECT_EQ(CommandsStartingWith(t, "RCPT TO:").size(), 1u);
}

TEST(SmtpMailer, NonAsciiSubjectsAreEncodedWords) {
  FakeSmtpServer server;
  auto mailer = OpenFor(server);
  ASSERT_NE(mailer, nullptr);
  ASSERT_TRUE(mailer->Send({"ada@example.com", "Caf\xc3\xa9", "body"}).ok());
  EXPECT_TRUE(HasLineStartingWith(Headers(server.Wait()), "Subject: =?UTF-8?B?Q2Fmw6k=?="));
}

TEST(SmtpMailer, RefusesRecipientsThatAreNotOneAddress) {
  // Port 9 (discard) on loopback is closed here; a refusal must come before any connection.
  auto mailer = SmtpMailer::Open("smtp://127.0.0.1:9", "noreply@tenantbase.test");
  ASSERT_TRUE(mailer.ok());
  for (const char* to : {"a@example.com\r\nRCPT TO:<b@example.com>", "a@example.com>\nx", "<a@example.com>",
                         "a@example.com, b@example.com", "", "no-at-sign"}) {
    const Status sent = (*mailer)->Send({to, "s", "t"});
    ASSERT_FALSE(sent.ok()) << to;
    EXPECT_EQ(sent.error().code, ErrorCode::kInvalidArgument) << to;
  }
}

TEST(SmtpMailer, AnUnreachableServerFailsPromptlyAsUnavailable) {
  // A port that was free a moment ago: nothing listens on it.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  auto mailer = SmtpMailer::Open("smtp://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)), "noreply@tenantbase.test");
  ASSERT_TRUE(mailer.ok());
  const auto started = Clock::now();
  const Status sent = (*mailer)->Send({"ada@example.com", "s", "t"});
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code, ErrorCode::kUnavailable);
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(5));
}

TEST(SmtpMailer, OpenChecksTheUrlAndTheSender) {
  EXPECT_FALSE(SmtpMailer::Open("http://127.0.0.1:25", "noreply@tenantbase.test").ok());
  EXPECT_FALSE(SmtpMailer::Open("127.0.0.1:25", "noreply@tenantbase.test").ok());
  EXPECT_FALSE(SmtpMailer::Open("smtp://127.0.0.1:25", "Tenantbase").ok());
  EXPECT_FALSE(SmtpMailer::Open("smtp://127.0.0.1:25", "Tenantbase <a@b.c\r\nBcc: x@y.z>").ok());
  EXPECT_TRUE(SmtpMailer::Open("SMTPS://mail.example.com:465", "Tenantbase <noreply@tenantbase.test>").ok());
}

}  // namespace
}  // namespace tb::mail
