#include "domain/storage/multipart.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "base/strings.h"

namespace tb::storage {

namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr std::size_t kMaxHeaderBytes = 16 * 1024;
constexpr std::size_t kMaxFieldBytes = 64 * 1024;

Error Malformed(std::string message) {
  return Error::Make(ErrorCode::kInvalidArgument, "malformed multipart body: " + std::move(message));
}

// Reads the body file sequentially with a window that keeps unconsumed bytes.
class Reader {
 public:
  explicit Reader(int fd) : fd_(fd) {}

  // Makes at least `n` bytes available past `pos_` if the file has them.
  bool Fill(std::size_t n) {
    while (buffer_.size() - pos_ < n) {
      if (pos_ > 0 && pos_ >= buffer_.size() / 2) {
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(pos_));
        pos_ = 0;
      }
      const std::size_t old = buffer_.size();
      buffer_.resize(old + kChunk);
      const ssize_t got = ::read(fd_, buffer_.data() + old, kChunk);
      buffer_.resize(old + static_cast<std::size_t>(std::max<ssize_t>(got, 0)));
      if (got <= 0) return buffer_.size() - pos_ >= n;
    }
    return true;
  }
  std::string_view Available() const { return {buffer_.data() + pos_, buffer_.size() - pos_}; }
  void Consume(std::size_t n) { pos_ += n; }

 private:
  int fd_;
  std::vector<char> buffer_;
  std::size_t pos_ = 0;
};

struct PartHead {
  std::string name;
  bool has_filename = false;
  std::string content_type;
};

// The Content-Disposition parameter `key` ("name", "filename"), unquoted.
std::optional<std::string> DispositionParam(std::string_view value, std::string_view key) {
  for (std::string_view part : Split(value, ';')) {
    part = Trim(part);
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos || !EqualsIgnoreCase(Trim(part.substr(0, eq)), key)) continue;
    std::string_view v = Trim(part.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    return std::string(v);
  }
  return std::nullopt;
}

Result<PartHead> ParseHead(std::string_view text) {
  PartHead head;
  bool disposition = false;
  for (std::string_view line : Split(text, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return Malformed("a part header has no colon");
    const std::string_view name = Trim(line.substr(0, colon));
    const std::string_view value = Trim(line.substr(colon + 1));
    if (EqualsIgnoreCase(name, "Content-Disposition")) {
      disposition = true;
      head.name = DispositionParam(value, "name").value_or("");
      head.has_filename = DispositionParam(value, "filename").has_value();
    } else if (EqualsIgnoreCase(name, "Content-Type")) {
      head.content_type = std::string(value);
    }
  }
  if (!disposition) return Malformed("a part has no Content-Disposition");
  return head;
}

}  // namespace

std::string MultipartBoundary(std::string_view content_type) {
  const size_t semi = content_type.find(';');
  if (!EqualsIgnoreCase(Trim(content_type.substr(0, semi)), "multipart/form-data")) return "";
  if (semi == std::string_view::npos) return "";
  auto boundary = DispositionParam(content_type.substr(semi + 1), "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 200) return "";
  return *boundary;
}

Result<MultipartFile> ExtractMultipartFile(const std::string& body_path, std::string_view boundary,
                                           const std::string& out_path) {
  const int in = ::open(body_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Error::Make(ErrorCode::kInternal, "cannot read the upload");
  struct Closer {
    int fd;
    ~Closer() { if (fd >= 0) ::close(fd); }
  } close_in{in}, close_out{-1};

  Reader reader(in);
  const std::string first = "--" + std::string(boundary);
  const std::string delimiter = "\r\n--" + std::string(boundary);
  // The preamble, up to the first boundary line.
  for (;;) {
    if (!reader.Fill(first.size())) return Malformed("no boundary");
    const std::string_view window = reader.Available();
    const size_t at = window.find(first);
    if (at != std::string_view::npos) {
      reader.Consume(at + first.size());
      break;
    }
    if (window.size() > kMaxHeaderBytes) return Malformed("no boundary");
    if (!reader.Fill(window.size() + 1)) return Malformed("no boundary");
  }

  MultipartFile result;
  bool found_file = false;
  for (;;) {
    // After a boundary: "--" ends the body, CRLF starts a part.
    if (!reader.Fill(2)) return Malformed("truncated after a boundary");
    if (reader.Available().substr(0, 2) == "--") break;
    if (reader.Available().substr(0, 2) != "\r\n") return Malformed("a boundary is not followed by CRLF");
    reader.Consume(2);
    // The part's headers.
    std::size_t end = std::string_view::npos;
    for (std::size_t want = 4;; want = reader.Available().size() + 1) {
      const bool more = reader.Fill(want);
      end = reader.Available().find("\r\n\r\n");
      if (end != std::string_view::npos) break;
      if (!more || reader.Available().size() > kMaxHeaderBytes) return Malformed("a part's headers do not end");
    }
    auto head = ParseHead(reader.Available().substr(0, end));
    if (!head) return std::move(head).error();
    reader.Consume(end + 4);

    const bool is_file = !found_file && (head->has_filename || head->name.empty() || head->name == "file");
    if (is_file) {
      close_out.fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (close_out.fd < 0) return Error::Make(ErrorCode::kInternal, "cannot create the upload file");
      result.content_type = head->content_type;
    }
    std::string field;
    // The part's content, up to the next delimiter; everything before the last
    // delimiter-length bytes of the window can be emitted safely.
    for (;;) {
      const bool more = reader.Fill(delimiter.size() + kChunk);
      const std::string_view window = reader.Available();
      const size_t at = window.find(delimiter);
      const std::size_t safe = at != std::string_view::npos ? at
                               : window.size() > delimiter.size() ? window.size() - delimiter.size() : 0;
      if (safe > 0) {
        if (is_file) {
          if (::write(close_out.fd, window.data(), safe) != static_cast<ssize_t>(safe)) {
            return Error::Make(ErrorCode::kInternal, "cannot write the upload file");
          }
          result.size += safe;
        } else if (field.size() + safe <= kMaxFieldBytes) {
          field.append(window.data(), safe);
        } else {
          return Malformed("a text field exceeds 64 KiB");
        }
        reader.Consume(safe);
      }
      if (at != std::string_view::npos) {
        reader.Consume(delimiter.size());
        break;
      }
      if (!more && safe == 0) return Malformed("the body ends inside a part");
    }
    if (is_file) {
      found_file = true;
      ::close(close_out.fd);
      close_out.fd = -1;
    } else {
      result.fields[head->name] = std::move(field);
    }
  }
  if (!found_file) return Malformed("no file part");
  return result;
}

}  // namespace tb::storage
