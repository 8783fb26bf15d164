// api/realtime/realtime.h
//
// Supabase Realtime's postgres_changes, broadcast and presence over /realtime/v1/websocket, speaking the Phoenix
// channel protocol as realtime-js does (serializer 2.0.0: text frames
// [join_ref, ref, topic, event, payload]): heartbeats, phx_join with the postgres_changes
// bindings and the access token, access_token updates, phx_leave, and postgres_changes
// events with the record as realtime-js reads it.
//
// Changes come from kit_realtime_changes (migration 0017: tables that publish their
// changes write a row per change in the writing transaction, so only committed changes are
// seen, in commit order). A worker thread reads new changes and, for each subscriber whose
// binding matches the table, event and row filter, reads the row *as that subscriber*
// under the table's SELECT policies (a DELETE: the policies over the deleted row's image,
// and only the primary key is sent). A subscriber whose session ended, or whose token
// expired, receives nothing until it sends a valid one.
//
// Limits: a connection may hold `max_channels` channels; a signed-in user may hold channels
// on `max_connections_per_user` connections and `max_channels_per_user` channels in all (a
// join past either is refused with a reason; anon joins count per connection only); its
// outgoing queue is bounded by
// the transport (a slow reader is disconnected); a connection that sends nothing (not even
// a heartbeat) for `idle_timeout` is closed.
//
// Thread-safety: the service is shared by the WebSocket handlers and its worker; all state
// is behind one mutex, and delivery reads run outside it.
#pragma once

#include <rapidjson/fwd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "api/rest/rest_context.h"
#include "http/router.h"

namespace tb::api::realtime {

struct RealtimeOptions {
  std::size_t max_channels = 100;
  std::size_t max_connections_per_user = 20;
  std::size_t max_channels_per_user = 200;
  // Broadcast and presence messages a connection may send per second (a burst of as many,
  // refilled continuously); past it they are dropped and answered with an error.
  double max_messages_per_second = 100;
  std::chrono::seconds idle_timeout{90};
  std::chrono::milliseconds poll_interval{20};
};

class RealtimeService {
 public:
  // REQUIRES: `rest` outlives the service. Starts the worker.
  RealtimeService(const rest::RestContext& rest, RealtimeOptions options = {});
  ~RealtimeService();
  RealtimeService(const RealtimeService&) = delete;
  RealtimeService& operator=(const RealtimeService&) = delete;

  // Adds /realtime/v1/websocket and the REST broadcast endpoints (/realtime/v1/api/broadcast).
  // REQUIRES: the service outlives the router.
  void AddRoutes(http::Router& router);

  struct Client;

 private:
  void Run();
  // Deletes changes older than an hour, a bounded batch per transaction.
  void PurgeOldChanges();
  bool Publishes(const std::string& table);
  // The changes committed since the last poll (columns id, table_name, op, image,
  // created_at, pk), by the backend's rule; each moves its own watermark.
  Result<store::Rows> ChangesOfEndedTransactions(store::Transaction& txn);
  Result<store::Rows> ChangesAfterLastId(store::Transaction& txn);
  // The live client behind `key`, marked as seen now (it sent something); null once gone.
  std::shared_ptr<Client> Touch(Client* key);
  // Relays a broadcast on `topic` from `from` to every client joined to it (the sender only
  // when it joined with broadcast.self). False when the sender has not joined `topic`.
  // `from` null: a broadcast from outside any channel (REST), to everyone joined.
  bool Broadcast(Client* from, const std::string& topic, std::string_view event, const std::string& payload_json);
  // POST /realtime/v1/api/broadcast and …/api/broadcast/{topic}/events/{event}.
  http::Response BroadcastOverHttp(http::Request& request);
  // The reason a message past max_messages_per_second is refused.
  std::string RateLimited() const;
  // Presence (all REQUIRE mu_): the topic's state as presence_state sends it ({key: {metas}});
  // a presence_diff to every presence-enabled channel on the topic; and untracking what
  // `client` tracked on `topic` (a leave), if anything.
  std::string PresenceState(const std::string& topic) const;
  void SendPresenceDiff(const std::string& topic, const std::string& presence_key, const std::string& joined,
                        const std::string& left);
  void DropPresence(Client* client, const std::string& topic);
  // A presence push (track / untrack) from `client` on `topic`: "" when done, else why
  // not. REQUIRES: mu_.
  std::string Presence(Client* client, const std::string& topic, const rapidjson::Value& payload);
  // A binary frame from `client`: realtime-js's broadcast push, relayed and acknowledged.
  void BinaryPush(Client& client, std::string_view bytes);
  // Why `user_id` may not join `topic` on `client` now, or "" when it may. REQUIRES: mu_.
  std::string OverUserLimits(const Client* client, const std::string& topic, const std::string& user_id) const;
  void DeliverNewChanges();

  const rest::RestContext& rest_;
  const RealtimeOptions options_;
  std::mutex mu_;
  std::map<Client*, std::shared_ptr<Client>> clients_;
  int64_t last_change_ = -1;
  // PostgreSQL: changes are read by transaction, not id (ids are handed out at insert but
  // transactions commit in any order): every change of a transaction below this one has
  // been read. Empty until the first poll sets it.
  std::string settled_xid_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace tb::api::realtime
