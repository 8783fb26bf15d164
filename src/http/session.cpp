#include "http/session.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <limits>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <atomic>
#include <deque>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "base/strings.h"
#include "http/request.h"
#include "http/response.h"

namespace tb::http::internal {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kCorsAllowMethods = "GET, HEAD, PUT, PATCH, POST, DELETE, OPTIONS";
constexpr std::string_view kCorsDefaultAllowHeaders =
    "authorization, x-client-info, apikey, content-type, accept-profile, content-profile, "
    "prefer, range, x-upsert";
constexpr std::string_view kCorsExposeHeaders =
    "Content-Encoding, Content-Location, Content-Range, Content-Type, Date, Location, Server, "
    "Transfer-Encoding, Range-Unit, X-Total-Count, Link";
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// How long a closing connection keeps reading (and discarding) what the client still
// sends. Closing with unread input makes the kernel send a reset, which can destroy our
// response (a 413, say) before the client has read it.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kReadChunkBytes = 4096;
// A buffer grown by one large request is given back once it is empty.
constexpr std::size_t kKeptBufferBytes = 64 * 1024;

std::string_view View(beast::string_view text) { return {text.data(), text.size()}; }
beast::string_view BeastView(std::string_view text) { return {text.data(), text.size()}; }

// Returns the current time as an HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT"), formatted
// at most once a second per thread. Names are spelled out: strftime's depend on the locale.
std::string_view HttpDate() {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  thread_local std::time_t cached_second = -1;
  thread_local std::string text;
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    text = fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} GMT", kDays[tm.tm_wday], tm.tm_mday,
                       kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    cached_second = now;
  }
  return text;
}

// The target as the router sees it: origin-form ("/p?q") as is; absolute-form
// ("http://host/p?q", which HTTP/1.1 servers must accept) without scheme and authority.
std::string_view OriginForm(std::string_view target) {
  if (!StartsWithIgnoreCase(target, "http://") && !StartsWithIgnoreCase(target, "https://")) {
    return target;
  }
  const size_t path = target.find_first_of("/?", target.find("//") + 2);
  return path == std::string_view::npos ? std::string_view("/") : target.substr(path);
}

std::string_view RawPath(std::string_view target) {
  return OriginForm(target).substr(0, OriginForm(target).find('?'));
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

Response CorsPreflight(const Request& request) {
  Response response;
  response.SetHeader("Access-Control-Allow-Origin", "*");
  response.SetHeader("Access-Control-Allow-Methods", kCorsAllowMethods);
  const std::string_view asked = request.HeaderValue("Access-Control-Request-Headers");
  response.SetHeader("Access-Control-Allow-Headers",
                     asked.empty() ? kCorsDefaultAllowHeaders : asked);
  response.SetHeader("Access-Control-Max-Age", "86400");
  return response;
}

Response CallHandler(const Handler& handler, Request& request, std::string_view log_path) {
  try {
    return handler(request);
  } catch (const std::exception& e) {
    spdlog::error("handler for {} {} threw: {}", request.method, log_path, e.what());
  } catch (...) {
    spdlog::error("handler for {} {} threw a non-standard exception", request.method, log_path);
  }
  return Response::Error(500, "internal_error", "The server failed to handle this request");
}

// Answers `request` as the transport does: a CORS preflight itself, then the routed
// handler, then 404/405 (or the Allow list for OPTIONS) when no route takes it.
// `log_path` is the undecoded path, safe to log. Never throws.
Response Dispatch(const Router& router, Request& request, std::string_view log_path) {
  if (request.method == "OPTIONS" && request.HasHeader("Access-Control-Request-Method")) {
    return CorsPreflight(request);
  }
  const Router::Match match = router.Find(request);
  if (match.handler != nullptr) return CallHandler(*match.handler, request, log_path);
  if (!match.path_exists) {
    return Response::Error(404, "not_found",
                           fmt::format("No route for {} {}", request.method, request.path));
  }
  const std::string allow = Join(match.allowed);
  Response response;
  if (request.method != "OPTIONS") {
    response = Response::Error(
        405, "method_not_allowed",
        fmt::format("{} is not allowed on {}; allowed: {}", request.method, request.path, allow));
  }
  response.SetHeader("Allow", allow);
  return response;
}

bool IsFramingHeader(std::string_view name) {
  return EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding") ||
         EqualsIgnoreCase(name, "Connection");
}

// The status line and headers of a handler's Response in Beast's form, adding Server and
// Date. Framing headers are the session's alone; a header that would split the response
// (CR or LF) is dropped. An out-of-range status becomes a 500 (`response` is replaced).
template <class Body>
bhttp::response<Body> HeadOf(Response& response, unsigned version) {
  if (response.status < 200 || response.status > 599) {
    spdlog::error("a handler answered status {}; sending 500 instead", response.status);
    response = Response::Error(500, "internal_error", "The server failed to handle this request");
  }
  bhttp::response<Body> out;
  out.version(version);
  out.result(static_cast<unsigned>(response.status));
  for (const Header& header : response.headers) {
    if (IsFramingHeader(header.name)) continue;
    if (header.name.empty() || header.name.find_first_of("\r\n: ") != std::string::npos ||
        header.value.find_first_of("\r\n") != std::string::npos) {
      spdlog::error("dropping malformed response header '{}'", header.name);
      continue;
    }
    out.insert(BeastView(header.name), BeastView(header.value));
  }
  out.set(bhttp::field::server, "tenantbase");
  if (out.find(bhttp::field::date) == out.end()) out.set(bhttp::field::date, BeastView(HttpDate()));
  return out;
}

// Converts a handler's Response to Beast's with Content-Length. A HEAD answer keeps the
// length of the body it does not send.
bhttp::response<bhttp::string_body> ToBeast(Response response, unsigned version, bool head) {
  bhttp::response<bhttp::string_body> out = HeadOf<bhttp::string_body>(response, version);
  // RFC 9110: 204 and 304 carry no body, and 204 no Content-Length.
  if (response.status == 204 || response.status == 304) return out;
  out.content_length(response.body.size());
  if (!head) out.body() = std::move(response.body);
  return out;
}

// The head of a request as handlers see it: method, target, path, query, headers and the
// client's address; nullopt when the path has a malformed percent-escape.
template <class Body>
std::optional<Request> RequestOf(const bhttp::request<Body>& message, const std::string& remote_address) {
  Request request;
  request.method = std::string(View(message.method_string()));
  request.target = std::string(View(message.target()));
  const std::string_view target = OriginForm(request.target);
  const size_t question = target.find('?');
  if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
  for (const auto& field : message) {
    request.headers.push_back({std::string(View(field.name_string())), std::string(View(field.value()))});
  }
  request.remote_address = remote_address;
  if (!PercentDecode(target.substr(0, question), request.path)) return std::nullopt;
  return request;
}

// Removes a streamed body's file, if it is still there.
void RemoveBodyFile(std::string& path) {
  if (path.empty()) return;
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) spdlog::warn("could not remove {}: {}", path, std::strerror(errno));
  path.clear();
}

}  // namespace

class Session;

// A WebSocket after the upgrade: owns the stream and keeps its Session (and with it the
// server's count of live connections) alive until it ends. Everything but SendText's size
// check runs on the connection's strand.
class WsConnection : public WebSocket, public std::enable_shared_from_this<WsConnection> {
 public:
  WsConnection(beast::tcp_stream stream, std::string remote_address, WebSocketOptions options,
               std::shared_ptr<Session> owner)
      : ws_(std::move(stream)), remote_address_(std::move(remote_address)), options_(options), owner_(std::move(owner)) {}

  void Accept(bhttp::request<bhttp::string_body> upgrade, WebSocketEvents events) {
    events_ = std::move(events);
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(beast::websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(beast::websocket::stream_base::decorator(
        [](beast::websocket::response_type& res) { res.set(bhttp::field::server, "tenantbase"); }));
    ws_.read_message_max(options_.max_message_bytes);
    ws_.async_accept(upgrade, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->Finish();
      self->open_ = true;
      self->Read();
      self->Write();
    });
  }

  bool SendText(std::string text) override {
    if (closed_) return false;
    const std::size_t size = text.size();
    if (queued_bytes_.fetch_add(size) + size > options_.max_queued_bytes) {
      spdlog::warn("websocket {}: disconnected: send queue full (the client reads too slowly)", remote_address_);
      Close(1008, "send queue full");
      return false;
    }
    net::post(ws_.get_executor(), [self = shared_from_this(), text = std::move(text)]() mutable {
      self->queue_.push_back(std::move(text));
      self->Write();
    });
    return true;
  }

  void Close(int code, std::string reason) override {
    net::post(ws_.get_executor(), [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
      if (self->closing_ || self->closed_) return;
      self->closing_ = true;
      // A close frame cannot overtake a write in flight (the client is not reading it):
      // then the connection just ends.
      if (!self->open_ || self->writing_) return self->Abort();
      beast::get_lowest_layer(self->ws_).expires_after(std::chrono::seconds(5));
      self->ws_.async_close(beast::websocket::close_reason(static_cast<beast::websocket::close_code>(code), reason),
                            [self](beast::error_code) { self->Abort(); });
    });
  }

  // Answers the upgrade request over plain HTTP instead, then ends the connection.
  void Refuse(const std::shared_ptr<bhttp::response<bhttp::string_body>>& response) {
    auto& stream = beast::get_lowest_layer(ws_);
    stream.expires_after(std::chrono::seconds(10));
    bhttp::async_write(stream, *response, [self = shared_from_this(), response](beast::error_code, std::size_t) {
      self->Abort();
    });
  }

  // Ends the connection now (shutdown's last resort, or after a close).
  void Abort() {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).close();
    Finish();
  }

  const std::string& remote_address() const override { return remote_address_; }
  net::any_io_executor executor() { return ws_.get_executor(); }

 private:
  void Read() {
    ws_.async_read(read_buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->Finish();
      const auto& handler = self->ws_.got_text() ? self->events_.on_text : self->events_.on_binary;
      if (handler) {
        const auto data = self->read_buffer_.cdata();
        const std::string_view message(static_cast<const char*>(data.data()), data.size());
        try {
          handler(message);
        } catch (const std::exception& e) {
          spdlog::error("websocket handler threw: {}", e.what());
        }
      }
      self->read_buffer_.consume(self->read_buffer_.size());
      if (!self->closed_) self->Read();
    });
  }

  void Write() {
    if (!open_ || writing_ || closing_ || closed_ || queue_.empty()) return;
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(queue_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->writing_ = false;
      if (self->closed_) {  // Finish left the queue for this write to let go of
        self->queue_.clear();
        return;
      }
      self->queued_bytes_ -= self->queue_.front().size();
      self->queue_.pop_front();
      if (ec) return self->Finish();
      self->Write();
    });
  }

  void Finish() {
    if (closed_) return;
    closed_ = true;
    if (events_.on_close) {
      try {
        events_.on_close();
      } catch (...) {
      }
    }
    events_ = {};
    if (!writing_) queue_.clear();  // a write in flight still reads its buffer
    owner_.reset();
  }

  beast::websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer read_buffer_;
  std::string remote_address_;
  WebSocketOptions options_;
  std::shared_ptr<Session> owner_;
  WebSocketEvents events_;
  std::deque<std::string> queue_;
  std::atomic<std::size_t> queued_bytes_{0};
  std::atomic<bool> closed_{false};
  bool open_ = false, writing_ = false, closing_ = false;
};

// One connection. Every member function runs on the socket's strand, so a session is
// never touched by two threads at once; completion handlers hold a shared_ptr to it.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, SessionContext& context)
      : context_(context), stream_(std::move(socket)), executor_(stream_.get_executor()) {
    beast::error_code ec;
    stream_.socket().set_option(tcp::no_delay(true), ec);
    net::ip::address address = stream_.socket().remote_endpoint(ec).address();
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
      address = net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
    }
    if (!ec) remote_address_ = address.to_string();
  }

  ~Session() {
    if (context_.registry.Remove(this) && context_.stopping && context_.on_drained) {
      context_.on_drained();
    }
  }

  void Start() {
    context_.registry.Add(shared_from_this());
    net::dispatch(executor_, [self = shared_from_this()] { self->AwaitRequest(); });
  }

  // Both may be called from any thread; they run on the session's strand.
  void PostShutdown() {
    net::post(executor_, [self = shared_from_this()] {
      if (auto ws = self->websocket_.lock()) return ws->Close(1001, "server shutting down");
      if (self->phase_ == Phase::kIdle) self->Close();  // no byte of a request yet
    });
  }
  void PostClose() {
    net::post(executor_, [self = shared_from_this()] {
      if (auto ws = self->websocket_.lock()) return net::post(ws->executor(), [ws] { ws->Abort(); });
      self->Close();
    });
  }

 private:
  enum class Phase { kIdle, kReading, kHandling, kWriting, kLingering, kWebSocket, kClosed };

  void Close() {
    if (phase_ == Phase::kClosed || phase_ == Phase::kWebSocket) return;
    phase_ = Phase::kClosed;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  // What the response and the access log need to know about the request being answered.
  struct Exchange {
    std::string method = "-";
    std::string log_path = "-";
    unsigned version = 11;
    bool head = false;
    bool has_origin = false;
    Clock::time_point started;
  };

  void AwaitRequest();
  void OnFirstBytes(beast::error_code ec, std::size_t bytes);
  void ReadHeader();
  void OnHeader(beast::error_code ec);
  void ContinueThen(bool body_done, void (Session::*next)());
  void StartStreamedBody(const Preflight& preflight);
  void ReadStreamedBody();
  void OnStreamedBody(beast::error_code ec);
  void ReadBody();
  void OnBody(beast::error_code ec);
  void OnReadError(beast::error_code ec);
  void NoteRequest();
  void HandleRequest();
  bool Upgrade(bhttp::request<bhttp::string_body>& message, Request& request);
  void Send(Response response);
  void SendFile(Response response);
  void WriteFileChunk();
  void OnWritten(beast::error_code ec);
  void LingeringClose();
  void Drain();

  const ServerOptions& options() const { return context_.options; }

  SessionContext& context_;
  beast::tcp_stream stream_;
  net::any_io_executor executor_;
  std::weak_ptr<WsConnection> websocket_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;
  int status_ = 0;  // of the response being written, for the access log
  // The request being read, as handlers see it (set once its header is in).
  std::optional<Request> head_;
  // A streamed upload: its parser, the file and the limit's answer.
  std::optional<bhttp::request_parser<bhttp::file_body>> file_parser_;
  std::string body_file_;
  Response too_large_;
  // A streamed download.
  std::optional<bhttp::response<bhttp::buffer_body>> file_response_;
  std::optional<bhttp::response_serializer<bhttp::buffer_body>> file_serializer_;
  std::shared_ptr<const BodyFile> file_;
  std::uint64_t file_sent_ = 0;
  std::vector<char> chunk_;
  std::string remote_address_;
  Exchange exchange_;
  Phase phase_ = Phase::kIdle;
  bool close_after_write_ = false;
};

// Waits for the first byte of the next request under the idle timeout; the read timeout
// starts only once a request has begun.
void Session::AwaitRequest() {
  if (phase_ == Phase::kClosed) return;
  if (context_.stopping) return Close();
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(options().header_limit, UINT32_MAX)));
  // No limit while the header is read: Beast compares a Content-Length with the limit as
  // soon as the header ends, and which limit applies depends on the route (OnHeader).
  parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
  exchange_ = Exchange{};
  if (buffer_.size() > 0) return ReadHeader();  // a pipelined request is already here
  if (buffer_.capacity() > kKeptBufferBytes) buffer_.shrink_to_fit();
  phase_ = Phase::kIdle;
  stream_.expires_after(options().idle_timeout);
  stream_.async_read_some(buffer_.prepare(kReadChunkBytes),
                          [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                            self->OnFirstBytes(ec, bytes);
                          });
}

void Session::OnFirstBytes(beast::error_code ec, std::size_t bytes) {
  if (phase_ == Phase::kClosed) return;
  if (ec) return Close();  // idle timeout, the client left, or shutdown: nothing to answer
  buffer_.commit(bytes);
  ReadHeader();
}

void Session::ReadHeader() {
  phase_ = Phase::kReading;
  stream_.expires_after(options().read_timeout);  // covers header, body and 100-continue
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             self->OnHeader(ec);
                           });
}

void Session::OnHeader(beast::error_code ec) {
  if (phase_ == Phase::kClosed) return;
  if (ec) return OnReadError(ec);
  // The request's head, built once for the routing below and for the handler; a route
  // that streams its body decides before the body is read.
  head_ = RequestOf(parser_->get(), remote_address_);
  if (head_) {
    const Router::Match match = context_.router.Find(*head_);
    if (match.handler != nullptr && match.preflight != nullptr) return StartStreamedBody(*match.preflight);
  }
  // Every other body is read into memory, up to the server's limit.
  const auto limit = static_cast<std::uint64_t>(options().body_limit);
  if (parser_->content_length() && *parser_->content_length() > limit) return OnReadError(bhttp::error::body_limit);
  parser_->body_limit(limit);
  ContinueThen(parser_->is_done(), &Session::ReadBody);
}

// Sends "100 Continue" first when the client waits for it, then calls `next`.
void Session::ContinueThen(bool body_done, void (Session::*next)()) {
  const auto& request = parser_ ? parser_->get().base() : file_parser_->get().base();
  if (request.version() >= 11 && !body_done && EqualsIgnoreCase(View(request[bhttp::field::expect]), "100-continue")) {
    net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = shared_from_this(), next](beast::error_code ec, std::size_t) {
                       if (self->phase_ == Phase::kClosed) return;
                       if (ec) return self->Close();
                       ((*self).*next)();
                     });
    return;
  }
  ((*this).*next)();
}

void Session::StartStreamedBody(const Preflight& preflight) {
  NoteRequest();
  std::variant<Response, StreamedBody> plan;
  try {
    plan = preflight(*head_);
  } catch (const std::exception& e) {
    spdlog::error("preflight for {} {} threw: {}", exchange_.method, exchange_.log_path, e.what());
    plan = Response::Error(500, "internal_error", "The server failed to handle this request");
  }
  if (auto* refusal = std::get_if<Response>(&plan)) {
    // The body is never read: answer, then close (a lingering close drains what comes).
    phase_ = Phase::kHandling;
    close_after_write_ = true;
    return Send(std::move(*refusal));
  }
  StreamedBody& body = std::get<StreamedBody>(plan);
  if (parser_->content_length() && *parser_->content_length() > body.limit) {
    phase_ = Phase::kHandling;
    close_after_write_ = true;
    return Send(std::move(body.too_large));
  }
  file_parser_.emplace(std::move(*parser_));
  parser_.reset();
  file_parser_->body_limit(body.limit);
  beast::error_code ec;
  file_parser_->get().body().open(body.path.c_str(), beast::file_mode::write_new, ec);
  if (ec) {
    spdlog::error("cannot create {} for a streamed body: {}", body.path, ec.message());
    phase_ = Phase::kHandling;
    close_after_write_ = true;
    return Send(Response::Error(500, "internal_error", "The server could not store the request body"));
  }
  body_file_ = body.path;
  too_large_ = std::move(body.too_large);
  ContinueThen(file_parser_->is_done(), &Session::ReadStreamedBody);
}

void Session::ReadStreamedBody() {
  bhttp::async_read(stream_, buffer_, *file_parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    self->OnStreamedBody(ec);
  });
}

void Session::OnStreamedBody(beast::error_code ec) {
  if (phase_ == Phase::kClosed) {
    file_parser_.reset();
    return RemoveBodyFile(body_file_);
  }
  const bool keep_alive = file_parser_->get().keep_alive();
  file_parser_.reset();  // closes the file
  if (ec) {
    RemoveBodyFile(body_file_);
    close_after_write_ = true;
    if (ec == bhttp::error::body_limit) return Send(std::move(too_large_));
    const bool protocol_error = ec.category() == bhttp::make_error_code(bhttp::error{}).category() &&
                                ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
    if (!protocol_error) return Close();
    return Send(Response::Error(400, "bad_request", "Malformed HTTP request: " + ec.message()));
  }
  phase_ = Phase::kHandling;
  stream_.expires_never();
  close_after_write_ = !keep_alive;
  Request request = std::move(*head_);
  request.body_file = body_file_;
  struct stat st {};
  request.body_size = ::stat(body_file_.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  Response response = Dispatch(context_.router, request, exchange_.log_path);
  RemoveBodyFile(body_file_);  // unless the handler moved it into place
  Send(std::move(response));
}

void Session::ReadBody() {
  bhttp::async_read(stream_, buffer_, *parser_,
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      self->OnBody(ec);
                    });
}

void Session::OnBody(beast::error_code ec) {
  if (phase_ == Phase::kClosed) return;
  if (ec) return OnReadError(ec);
  HandleRequest();
}

// A request that cannot be read whole: answer what the client can act on (too large,
// malformed) and close; a timeout or a client that left gets no answer.
void Session::OnReadError(beast::error_code ec) {
  const bool protocol_error = ec.category() == bhttp::make_error_code(bhttp::error{}).category() &&
                              ec != bhttp::error::end_of_stream &&
                              ec != bhttp::error::partial_message;
  if (!protocol_error) return Close();  // beast::error::timeout has closed the socket already
  NoteRequest();
  close_after_write_ = true;
  if (ec == bhttp::error::body_limit) {
    return Send(Response::Error(
        413, "payload_too_large",
        fmt::format("Request body exceeds the {}-byte limit", options().body_limit)));
  }
  if (ec == bhttp::error::header_limit) {
    return Send(Response::Error(
        431, "request_header_fields_too_large",
        fmt::format("Request header exceeds the {}-byte limit", options().header_limit)));
  }
  Send(Response::Error(400, "bad_request", "Malformed HTTP request: " + ec.message()));
}

// Records what is known of the request so far; after a parse error that may be little.
void Session::NoteRequest() {
  const auto& request = parser_->get();
  if (!request.method_string().empty()) {
    exchange_.method = std::string(View(request.method_string()));
  }
  if (!request.target().empty()) {
    exchange_.log_path = std::string(RawPath(View(request.target())));
  }
  if (request.version() == 10 || request.version() == 11) exchange_.version = request.version();
  exchange_.head = request.method() == bhttp::verb::head;
  exchange_.has_origin = request.find(bhttp::field::origin) != request.end();
  exchange_.started = Clock::now();
}

void Session::HandleRequest() {
  phase_ = Phase::kHandling;
  stream_.expires_never();
  NoteRequest();
  bhttp::request<bhttp::string_body> message = parser_->release();
  close_after_write_ = !message.keep_alive();
  std::optional<Request> request = std::move(head_);
  if (!request) {
    return Send(Response::Error(400, "bad_request", "Malformed percent-escape in the request path"));
  }
  if (beast::websocket::is_upgrade(message) && Upgrade(message, *request)) return;
  request->body = std::move(message.body());
  Send(Dispatch(context_.router, *request, exchange_.log_path));
}

// Hands the connection to a WebSocket route's handler; false when the path has none (the
// request is then answered as plain HTTP). A refusal is answered here.
bool Session::Upgrade(bhttp::request<bhttp::string_body>& message, Request& request) {
  const Router::Match match = context_.router.Find(request);
  if (match.websocket == nullptr) return false;
  if (context_.stopping) {
    close_after_write_ = true;
    Send(Response::Error(503, "unavailable", "The server is shutting down"));
    return true;
  }
  auto ws = std::make_shared<WsConnection>(std::move(stream_), remote_address_, *match.websocket_options, shared_from_this());
  std::variant<Response, WebSocketEvents> answer;
  try {
    answer = (*match.websocket)(request, ws);
  } catch (const std::exception& e) {
    spdlog::error("websocket handler for {} threw: {}", exchange_.log_path, e.what());
    answer = Response::Error(500, "internal_error", "The server failed to handle this request");
  }
  if (auto* refusal = std::get_if<Response>(&answer)) {
    // Not upgraded: the stream comes back to answer over HTTP.
    spdlog::info("GET {} {} (websocket refused)", exchange_.log_path, refusal->status);
    std::string body = refusal->body;
    bhttp::response<bhttp::string_body> out = HeadOf<bhttp::string_body>(*refusal, 11);
    out.content_length(body.size());
    out.body() = std::move(body);
    out.keep_alive(false);
    auto shared = std::make_shared<bhttp::response<bhttp::string_body>>(std::move(out));
    phase_ = Phase::kWebSocket;
    ws->Refuse(shared);
    return true;
  }
  phase_ = Phase::kWebSocket;
  websocket_ = ws;
  if (options().access_log) spdlog::info("GET {} 101 websocket", exchange_.log_path);
  ws->Accept(std::move(message), std::get<WebSocketEvents>(std::move(answer)));
  return true;
}

void Session::Send(Response response) {
  phase_ = Phase::kWriting;
  if (context_.stopping) close_after_write_ = true;
  if (exchange_.has_origin) {
    response.SetHeader("Access-Control-Allow-Origin", "*");
    response.SetHeader("Access-Control-Expose-Headers", kCorsExposeHeaders);
  }
  if (response.file) return SendFile(std::move(response));
  response_ = ToBeast(std::move(response), exchange_.version, exchange_.head);
  response_.keep_alive(!close_after_write_);
  status_ = response_.result_int();
  stream_.expires_after(options().read_timeout);  // a client that stops reading is cut off
  bhttp::async_write(stream_, response_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->OnWritten(ec);
                     });
}

// A file's range as the body, written a chunk at a time from the file (never whole in memory).
constexpr std::size_t kFileChunkBytes = 64 * 1024;

void Session::SendFile(Response response) {
  file_ = std::move(response.file);
  file_sent_ = 0;
  file_response_.emplace(HeadOf<bhttp::buffer_body>(response, exchange_.version));
  status_ = file_response_->result_int();
  file_response_->content_length(file_->length());
  file_response_->keep_alive(!close_after_write_);
  file_response_->body().data = nullptr;
  file_response_->body().more = !exchange_.head && file_->length() > 0;
  file_serializer_.emplace(*file_response_);
  stream_.expires_after(options().read_timeout);
  bhttp::async_write_header(stream_, *file_serializer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec || self->exchange_.head || self->file_->length() == 0) return self->OnWritten(ec);
    self->WriteFileChunk();
  });
}

void Session::WriteFileChunk() {
  if (phase_ == Phase::kClosed) return OnWritten(beast::error::timeout);
  const std::uint64_t remaining = file_->length() - file_sent_;
  chunk_.resize(kFileChunkBytes);
  const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(remaining, chunk_.size()));
  const ssize_t got = ::pread(file_->fd(), chunk_.data(), want, static_cast<off_t>(file_->offset() + file_sent_));
  if (got <= 0) {
    // The length is promised already: the only honest end is to cut the connection.
    spdlog::error("reading a response body file failed after {} of {} bytes: {}", file_sent_, file_->length(),
                  got < 0 ? std::strerror(errno) : "unexpected end of file");
    Close();
    return OnWritten(beast::error::timeout);
  }
  file_sent_ += static_cast<std::uint64_t>(got);
  file_response_->body().data = chunk_.data();
  file_response_->body().size = static_cast<std::size_t>(got);
  file_response_->body().more = file_sent_ < file_->length();
  stream_.expires_after(options().read_timeout);
  bhttp::async_write(stream_, *file_serializer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec || self->file_sent_ >= self->file_->length()) return self->OnWritten(ec);
    self->WriteFileChunk();
  });
}

void Session::OnWritten(beast::error_code ec) {
  if (options().access_log) {
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - exchange_.started);
    spdlog::info("{} {} {} {}us", exchange_.method, exchange_.log_path, status_, micros.count());
  }
  response_ = {};
  file_serializer_.reset();
  file_response_.reset();
  file_.reset();
  if (chunk_.capacity() > 0) std::vector<char>().swap(chunk_);
  if (phase_ == Phase::kClosed) return;
  if (ec) return Close();
  if (close_after_write_) return LingeringClose();
  AwaitRequest();
}

// Half-closes, then reads and discards until the client closes too or kLingerTime passes.
void Session::LingeringClose() {
  phase_ = Phase::kLingering;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return Close();
  stream_.expires_after(kLingerTime);
  buffer_.clear();
  Drain();
}

void Session::Drain() {
  stream_.async_read_some(buffer_.prepare(kReadChunkBytes),
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                            if (ec) return self->Close();
                            self->Drain();
                          });
}

void SessionRegistry::Add(const std::shared_ptr<Session>& session) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.emplace(session.get(), session);
}

bool SessionRegistry::Remove(const Session* session) {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.erase(session) > 0 && sessions_.empty();
}

std::vector<std::shared_ptr<Session>> SessionRegistry::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<Session>> live;
  live.reserve(sessions_.size());
  for (const auto& [key, weak] : sessions_) {
    if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  return live;
}

bool SessionRegistry::empty() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.empty();
}

void StartSession(tcp::socket socket, SessionContext& context) {
  std::make_shared<Session>(std::move(socket), context)->Start();
}

void ShutdownSession(const std::shared_ptr<Session>& session) { session->PostShutdown(); }

void CloseSession(const std::shared_ptr<Session>& session) { session->PostClose(); }

}  // namespace tb::http::internal
