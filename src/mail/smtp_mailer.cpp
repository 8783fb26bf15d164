#include "mail/smtp_mailer.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "base/strings.h"
#include "net/http_client.h"

namespace tb::mail {

namespace {

constexpr long kConnectTimeoutMs = 10'000;
constexpr long kTotalTimeoutMs = 30'000;

struct Upload {
  std::string_view data;
  size_t offset = 0;
};

size_t ReadChunk(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, upload->data.size() - upload->offset);
  std::memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

Result<std::unique_ptr<SmtpMailer>> SmtpMailer::Open(std::string url, std::string from) {
  if (!StartsWithIgnoreCase(url, "smtp://") && !StartsWithIgnoreCase(url, "smtps://")) {
    return Error::Make(ErrorCode::kInvalidArgument, "the SMTP URL must start with smtp:// or smtps://");
  }
  if (EnvelopeAddress(from).empty()) {
    return Error::Make(ErrorCode::kInvalidArgument, "the mail sender must hold an address like Name <a@b.c>");
  }
  if (Status s = net::InitCurl(); !s) return std::move(s).error();
  return std::unique_ptr<SmtpMailer>(new SmtpMailer(std::move(url), std::move(from)));
}

Status SmtpMailer::Send(const Message& message) {
  // The recipient travels in the SMTP envelope (RCPT TO:<…>): nothing but an address.
  if (message.to.empty() || message.to.find_first_of("<> \t\r\n,;") != std::string::npos || message.to.find('@') == std::string::npos) {
    return Error::Make(ErrorCode::kInvalidArgument, "invalid mail recipient");
  }
  const std::string from_address = EnvelopeAddress(from_);
  const std::string text = FormatMessage(message, from_);

  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Error::Make(ErrorCode::kUnavailable, "cannot send mail", "curl_easy_init failed");
  const std::string envelope_from = "<" + from_address + ">";
  const std::string envelope_to = "<" + message.to + ">";
  std::unique_ptr<curl_slist, CurlDeleter> recipients(curl_slist_append(nullptr, envelope_to.c_str()));
  Upload upload{text};
  char error_buffer[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, envelope_from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadChunk);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  // STARTTLS when the server offers it; smtps:// is TLS from the first byte.
  curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, kConnectTimeoutMs);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, kTotalTimeoutMs);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // signals and threads do not mix
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
  const CURLcode result = curl_easy_perform(c);
  if (result != CURLE_OK) {
    const std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(result);
    return Error::Make(ErrorCode::kUnavailable, "cannot send mail", "SMTP: " + detail);
  }
  return Ok();
}

}  // namespace tb::mail
