#include "http/server.h"

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange

#include <algorithm>
#include <csignal>
#include <exception>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "http/session.h"

namespace tb::http {

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

// After the grace period the remaining connections are closed; if a handler still holds
// a thread after this much more, the loop is stopped and Run() waits only for that thread.
constexpr auto kForceCloseBackstop = std::chrono::seconds(1);
// accept() failing at once (out of file descriptors) must not spin a core.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

}  // namespace

// Everything below runs on strand_ unless it says otherwise: the acceptor, the timers and
// the signal set are not thread-safe, and Stop() may be called from any thread.
class Server::Impl {
 public:
  Impl(ServerOptions options, Router router)
      : options_(std::move(options)),
        router_(std::move(router)),
        context_(options_, router_),
        io_(std::max(1, ThreadCount())),
        strand_(net::make_strand(io_)),
        acceptor_(strand_),
        accept_retry_(strand_),
        grace_timer_(strand_) {
    context_.on_drained = [this] { net::post(strand_, [this] { Finish(); }); };
  }

  ~Impl() {
    // Sessions still queued in io_ die with it below; none may post onto a dying loop.
    context_.on_drained = nullptr;
  }

  Status Listen();
  uint16_t port() const { return port_; }
  void Run();  // any thread, once
  void Stop();  // any thread

 private:
  int ThreadCount() const {
    if (options_.threads > 0) return options_.threads;
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  bool TryListen(const tcp::endpoint& endpoint, error_code& ec);
  void RunLoop();
  void Accept();
  void WaitForSignal();
  void BeginStop();
  void OnGraceTimer(const error_code& ec);
  void CloseAll();
  void Finish();

  // Declared before io_ so that they outlive every session, which io_ owns.
  ServerOptions options_;
  Router router_;
  internal::SessionContext context_;

  net::io_context io_;
  net::strand<net::io_context::executor_type> strand_;
  tcp::acceptor acceptor_;
  net::steady_timer accept_retry_;
  net::steady_timer grace_timer_;
  std::optional<net::signal_set> signals_;
  uint16_t port_ = 0;
  bool stop_begun_ = false;
  bool forced_ = false;
  bool finished_ = false;
};

Status Server::Impl::Listen() {
  const std::string where = fmt::format("{}:{}", options_.address, options_.port);
  const auto fail = [&](const error_code& ec) {
    return Error::Make(ErrorCode::kUnavailable,
                       fmt::format("cannot listen on {}: {}", where, ec.message()));
  };
  std::string host = options_.address;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);  // "[::1]" as in a URL
  }

  error_code ec;
  tcp::resolver resolver(io_);
  const auto endpoints =
      resolver.resolve(host, std::to_string(options_.port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec) return fail(ec);
  for (const auto& entry : endpoints) {  // "localhost" may name ::1 and 127.0.0.1
    if (TryListen(entry.endpoint(), ec)) return Ok();
  }
  if (!ec) ec = net::error::host_not_found;
  return fail(ec);
}

bool Server::Impl::TryListen(const tcp::endpoint& endpoint, error_code& ec) {
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (!ec) port_ = acceptor_.local_endpoint(ec).port();
  if (ec) {
    error_code ignored;
    acceptor_.close(ignored);
  }
  return !ec;
}

void Server::Impl::Run() {
  signals_.emplace(strand_, SIGINT, SIGTERM);
  WaitForSignal();
  Accept();
  std::vector<std::thread> workers;
  for (int i = 1; i < ThreadCount(); ++i) workers.emplace_back([this] { RunLoop(); });
  RunLoop();
  for (std::thread& worker : workers) worker.join();
  signals_.reset();  // SIGINT and SIGTERM get their default meaning back
}

// Handlers catch what they throw; this keeps a worker alive should anything slip through.
void Server::Impl::RunLoop() {
  while (true) {
    try {
      io_.run();
      return;
    } catch (const std::exception& e) {
      spdlog::error("uncaught exception on an HTTP worker thread: {}", e.what());
    } catch (...) {
      spdlog::error("uncaught non-standard exception on an HTTP worker thread");
    }
  }
}

void Server::Impl::Accept() {
  acceptor_.async_accept(net::make_strand(io_), [this](const error_code& ec, tcp::socket socket) {
    if (stop_begun_ || ec == net::error::operation_aborted) return;
    if (ec) {
      spdlog::warn("accept failed: {}", ec.message());
      accept_retry_.expires_after(kAcceptRetryDelay);
      accept_retry_.async_wait([this](const error_code& ec) {
        if (!ec && !stop_begun_) Accept();
      });
      return;
    }
    internal::StartSession(std::move(socket), context_);
    Accept();
  });
}

void Server::Impl::WaitForSignal() {
  signals_->async_wait([this](const error_code& ec, int signal) {
    if (ec) return;
    if (!stop_begun_) {
      spdlog::info("received signal {}; shutting down", signal);
      BeginStop();
    } else if (!forced_) {
      spdlog::warn("received signal {} again; closing every connection now", signal);
      CloseAll();
    }
    WaitForSignal();
  });
}

void Server::Impl::Stop() {
  net::post(strand_, [this] { BeginStop(); });
}

void Server::Impl::BeginStop() {
  if (stop_begun_) return;
  stop_begun_ = true;
  context_.stopping = true;
  error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
  const auto live = context_.registry.Snapshot();
  for (const auto& session : live) internal::ShutdownSession(session);
  if (context_.registry.empty()) return Finish();
  spdlog::info("waiting up to {}ms for {} connection(s) to finish",
               options_.shutdown_grace.count(), live.size());
  grace_timer_.expires_after(options_.shutdown_grace);
  grace_timer_.async_wait([this](const error_code& ec) { OnGraceTimer(ec); });
}

void Server::Impl::OnGraceTimer(const error_code& ec) {
  if (ec || finished_) return;
  if (forced_) return Finish();
  spdlog::warn("shutdown grace of {}ms ran out", options_.shutdown_grace.count());
  CloseAll();
}

void Server::Impl::CloseAll() {
  forced_ = true;
  const auto live = context_.registry.Snapshot();
  spdlog::warn("closing {} connection(s)", live.size());
  for (const auto& session : live) internal::CloseSession(session);
  grace_timer_.expires_after(kForceCloseBackstop);
  grace_timer_.async_wait([this](const error_code& ec) { OnGraceTimer(ec); });
}

// Ends Run(): every connection is gone (or the backstop ran out).
void Server::Impl::Finish() {
  if (finished_) return;
  finished_ = true;
  grace_timer_.cancel();
  if (signals_) {
    error_code ignored;
    signals_->cancel(ignored);
  }
  io_.stop();
}

Server::Server(ServerOptions options, Router router)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router))) {}

Server::~Server() = default;

Status Server::Listen() { return impl_->Listen(); }

uint16_t Server::port() const { return impl_->port(); }

void Server::Run() { impl_->Run(); }

void Server::Stop() { impl_->Stop(); }

}  // namespace tb::http
