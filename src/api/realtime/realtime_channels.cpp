// Broadcast, presence and the per-user limits of the realtime service (realtime.h): what
// clients exchange among themselves on a topic, as opposed to the row changes the worker
// in realtime.cpp delivers.
#include <rapidjson/stringbuffer.h>

#include <atomic>

#include "api/json.h"
#include "api/realtime/realtime.h"
#include "api/realtime/realtime_internal.h"
#include "api/rest/rest_handlers.h"

namespace tb::api::realtime {

using namespace internal;

namespace {

std::atomic<int64_t> next_presence_ref{1};

// `key: {metas: [...]}`, the shape of presence_state and of each side of presence_diff.
void WriteMetas(JsonWriter& w, const std::string& key, const std::vector<const std::string*>& metas) {
  WriteString(w, key);
  w.StartObject();
  w.Key("metas");
  w.StartArray();
  for (const std::string* meta : metas) WriteRaw(w, *meta, "{}");
  w.EndArray();
  w.EndObject();
}

// An error of the REST broadcast endpoints: {"error": message}, which realtime-js's
// httpSend() shows as the rejection's message.
http::Response HttpRefusal(int status, std::string_view message) {
  rapidjson::StringBuffer b;
  JsonWriter w(b);
  w.StartObject();
  w.Key("error");
  WriteString(w, message);
  w.EndObject();
  return http::Response::Json(status, b.GetString());
}

}  // namespace

std::string RealtimeService::OverUserLimits(const Client* client, const std::string& topic,
                                            const std::string& user_id) const {
  if (user_id.empty()) return "";  // anon: no user to count; the per-connection limit holds
  std::size_t connections = 0;
  std::size_t channels = 0;
  bool this_connection = false;
  for (const auto& [key, other] : clients_) {
    bool holds = false;
    for (const auto& [other_topic, channel] : other->channels) {
      if (!channel.who || channel.who->user_id != user_id) continue;
      if (key == client && other_topic == topic) continue;  // a re-join replaces itself
      holds = true;
      ++channels;
    }
    if (holds) {
      ++connections;
      if (key == client) this_connection = true;
    }
  }
  if (!this_connection && connections >= options_.max_connections_per_user) {
    return "too many realtime connections for this user (" + std::to_string(options_.max_connections_per_user) + ")";
  }
  if (channels >= options_.max_channels_per_user) {
    return "too many realtime channels for this user (" + std::to_string(options_.max_channels_per_user) + ")";
  }
  return "";
}

std::string RealtimeService::PresenceState(const std::string& topic) const {
  // key → {metas: [...]}, every channel on the topic that tracks something.
  std::map<std::string, std::vector<const std::string*>> by_key;
  for (const auto& [key, client] : clients_) {
    auto it = client->channels.find(topic);
    if (it != client->channels.end() && !it->second.presence_meta.empty()) {
      by_key[it->second.presence_key].push_back(&it->second.presence_meta);
    }
  }
  rapidjson::StringBuffer b;
  JsonWriter w(b);
  w.StartObject();
  for (const auto& [presence_key, metas] : by_key) WriteMetas(w, presence_key, metas);
  w.EndObject();
  return b.GetString();
}

void RealtimeService::SendPresenceDiff(const std::string& topic, const std::string& presence_key,
                                       const std::string& joined, const std::string& left) {
  auto side = [&](JsonWriter& w, const std::string& meta) {
    w.StartObject();
    if (!meta.empty()) WriteMetas(w, presence_key, {&meta});
    w.EndObject();
  };
  rapidjson::StringBuffer b;
  JsonWriter w(b);
  w.StartObject();
  w.Key("joins");
  side(w, joined);
  w.Key("leaves");
  side(w, left);
  w.EndObject();
  const int64_t now = NowUnix();
  for (const auto& [key, client] : clients_) {
    auto it = client->channels.find(topic);
    if (it == client->channels.end() || !it->second.presence_enabled) continue;
    const Channel& channel = it->second;
    if (channel.Hears(now)) client->socket->SendText(Frame(channel.join_ref, std::nullopt, topic, "presence_diff", b.GetString()));
  }
}

void RealtimeService::DropPresence(Client* client, const std::string& topic) {
  auto it = client->channels.find(topic);
  if (it == client->channels.end() || it->second.presence_meta.empty()) return;
  const std::string left = std::move(it->second.presence_meta);
  it->second.presence_meta.clear();
  SendPresenceDiff(topic, it->second.presence_key, "", left);
}

bool RealtimeService::Broadcast(Client* from, const std::string& topic, std::string_view event, const std::string& payload_json) {
  rapidjson::StringBuffer b;
  JsonWriter w(b);
  w.StartObject();
  w.Key("type");
  w.String("broadcast");
  w.Key("event");
  WriteString(w, event);
  w.Key("payload");
  WriteRaw(w, payload_json, "{}");
  w.EndObject();
  const std::string frame = Frame("", std::nullopt, topic, "broadcast", b.GetString());
  const int64_t now = NowUnix();
  std::lock_guard lock(mu_);
  if (from != nullptr) {
    auto sender = clients_.find(from);
    if (sender == clients_.end()) return false;
    auto joined = sender->second->channels.find(topic);
    if (joined == sender->second->channels.end() || !joined->second.who) return false;
  }
  for (const auto& [key, client] : clients_) {
    auto it = client->channels.find(topic);
    if (it == client->channels.end()) continue;
    const Channel& channel = it->second;
    if (key == from && !channel.broadcast_self) continue;
    if (channel.Hears(now)) client->socket->SendText(frame);
  }
  return true;
}

// Supabase's REST broadcast, as realtime-js sends it: send() on a channel it has not joined
// posts {messages: [{topic, event, payload, private}]} to /api/broadcast; httpSend() posts
// the payload itself to /api/broadcast/{topic}/events/{event}. Either way the apikey (and a
// user's token, whose session must still be live) is checked, and each message reaches
// everyone joined to "realtime:{topic}". 202 with no body, as Supabase answers.
http::Response RealtimeService::BroadcastOverHttp(http::Request& request) {
  auto who = rest::AuthenticateRest(request, rest_);
  if (!who) return HttpRefusal(401, who.error().message);
  if (who->is_user()) {
    auto session = rest::BeginFor(rest_, *who, store::Access::kRead);
    if (!session) return HttpRefusal(401, session.error().message);
  }
  struct Message {
    std::string topic, event, payload;
  };
  std::vector<Message> messages;
  const auto refuse_private = [] {
    return HttpRefusal(403, "private channels are not supported yet (docs/realtime.md)");
  };
  if (const std::string_view topic = request.PathParam("topic"); !topic.empty()) {
    if (request.QueryParam("private") == "true") return refuse_private();
    rapidjson::Document payload;
    if (payload.Parse(request.body.data(), request.body.size()).HasParseError()) {
      return HttpRefusal(400, "the payload must be JSON");
    }
    messages.push_back({std::string(topic), std::string(request.PathParam("event")), ToJson(payload)});
  } else {
    rapidjson::Document body;
    if (body.Parse(request.body.data(), request.body.size()).HasParseError() || !body.IsObject() ||
        !body.HasMember("messages") || !body["messages"].IsArray()) {
      return HttpRefusal(400, "expected {\"messages\": [{topic, event, payload}]}");
    }
    const auto& list = body["messages"].GetArray();
    if (list.Size() > 100) return HttpRefusal(400, "at most 100 messages per request");
    for (const auto& m : list) {
      if (!m.IsObject()) return HttpRefusal(400, "each message must be an object");
      if (m.HasMember("private") && m["private"].IsBool() && m["private"].GetBool()) return refuse_private();
      Message message{StringAt(m, "topic"), StringAt(m, "event"), m.HasMember("payload") ? ToJson(m["payload"]) : "{}"};
      messages.push_back(std::move(message));
    }
  }
  for (const Message& m : messages) {
    if (m.topic.empty() || m.event.empty()) {
      return HttpRefusal(400, "each message needs a topic and an event");
    }
  }
  for (const Message& m : messages) Broadcast(nullptr, "realtime:" + m.topic, m.event, m.payload);
  http::Response accepted;
  accepted.status = 202;
  return accepted;
}

std::string RealtimeService::RateLimited() const {
  return "rate limit exceeded: at most " + std::to_string(static_cast<int64_t>(options_.max_messages_per_second)) +
         " broadcast and presence messages per second per connection";
}

std::string RealtimeService::Presence(Client* client, const std::string& topic, const rapidjson::Value& payload) {
  auto it = client->channels.find(topic);
  if (it == client->channels.end() || !it->second.who) return "join the channel first";
  Channel& channel = it->second;
  const std::string what = StringAt(payload, "event");
  if (what == "untrack") {
    DropPresence(client, topic);
    return "";
  }
  if (what != "track" || !payload.HasMember("payload") || !payload["payload"].IsObject()) {
    return "presence takes track with an object payload, or untrack";
  }
  // The tracked object with its phx_ref, as Phoenix keeps metas; tracking again replaces
  // what this channel tracked: a leave of the old, then a join of the new, as two diffs — in
  // one, realtime-js handles the join first and its join callback strips the old meta's
  // phx_ref, so the leave could no longer find it.
  rapidjson::Document meta;
  meta.CopyFrom(payload["payload"], meta.GetAllocator());
  const std::string phx_ref = std::to_string(next_presence_ref++);
  meta.RemoveMember("phx_ref");
  meta.AddMember("phx_ref", rapidjson::Value(phx_ref.c_str(), meta.GetAllocator()), meta.GetAllocator());
  if (!channel.presence_meta.empty()) SendPresenceDiff(topic, channel.presence_key, "", channel.presence_meta);
  channel.presence_meta = ToJson(meta);
  SendPresenceDiff(topic, channel.presence_key, channel.presence_meta, "");
  return "";
}

// realtime-js's binary user broadcast push (serializer kind 3): lengths of join_ref, ref,
// topic, event and metadata, the payload's encoding (1 = JSON), those strings, then the
// payload.
void RealtimeService::BinaryPush(Client& c, std::string_view bytes) {
  constexpr size_t kHeader = 7;
  if (bytes.size() < kHeader || static_cast<unsigned char>(bytes[0]) != 3) return;  // not a broadcast push
  size_t lengths[5];
  size_t total = kHeader;
  for (int i = 0; i < 5; ++i) total += lengths[i] = static_cast<unsigned char>(bytes[1 + i]);
  const bool json = bytes[6] == 1;
  if (total > bytes.size()) return;
  std::string_view parts[5];
  size_t at = kHeader;
  for (int i = 0; i < 5; ++i) {
    parts[i] = bytes.substr(at, lengths[i]);
    at += lengths[i];
  }
  const std::string join_ref(parts[0]), ref(parts[1]), topic(parts[2]), event(parts[3]);
  const std::string_view body = bytes.substr(at);
  auto reply = [&](std::string_view status, const std::string& response) {
    if (!ref.empty()) c.socket->SendText(Frame(join_ref, ref, topic, "phx_reply", Reply(status, response)));
  };
  rapidjson::Document parsed;
  if (!json || parsed.Parse(body.data(), body.size()).HasParseError()) {
    return reply("error", Reason("broadcast payloads must be JSON"));
  }
  if (!c.Spend(options_.max_messages_per_second)) return reply("error", Reason(RateLimited()));
  const bool sent = Broadcast(&c, topic, event, std::string(body));
  reply(sent ? "ok" : "error", sent ? "{}" : Reason("join the channel before broadcasting"));
}

}  // namespace tb::api::realtime
