// http/websocket.h
//
// Server-side WebSockets without Beast in the header: a route registered with
// Router::AddWebSocket gets the upgrade request's head and a WebSocket to talk through.
// The transport owns the connection: it reads frames and hands text messages to
// `on_text` and binary ones to `on_binary` (dropped when unset), answers pings, writes queued messages in order, and closes on shutdown.
//
// Back-pressure: messages wait in a per-connection queue bounded in bytes; a client that
// reads too slowly to keep it under the bound is disconnected (close code 1008, reason
// "send queue full") rather than growing the server's memory.
//
// Thread-safety: WebSocket's methods may be called from any thread; the events run on the
// connection's strand, one at a time.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "http/request.h"
#include "http/response.h"

namespace tb::http {

class WebSocket {
 public:
  virtual ~WebSocket() = default;
  // Queues a text message; false when the connection is closed or the queue overflowed
  // (the connection is then closing).
  virtual bool SendText(std::string text) = 0;
  // Sends a close frame with `code` and `reason`, then ends the connection.
  virtual void Close(int code, std::string reason) = 0;
  virtual const std::string& remote_address() const = 0;
};

struct WebSocketEvents {
  std::function<void(std::string_view text)> on_text;  // one complete text message
  std::function<void(std::string_view bytes)> on_binary;  // one complete binary message
  std::function<void()> on_close;                      // once, however the connection ended
};

struct WebSocketOptions {
  std::size_t max_message_bytes = 1 << 20;     // a larger incoming message closes (1009)
  std::size_t max_queued_bytes = 4u << 20;     // outgoing bound, see above
};

// Called with the upgrade request's head (path_params set): a Response refuses the upgrade
// (401, 429, …); WebSocketEvents accept it, and `socket` is then live. The handler may keep
// `socket`; the events must not outlive what they capture.
using WebSocketHandler =
    std::function<std::variant<Response, WebSocketEvents>(Request& head, const std::shared_ptr<WebSocket>& socket)>;

}  // namespace tb::http
