#include "app/config.h"

#include <charconv>
#include <filesystem>

namespace tb::app {

Result<HostPort> ParseHostPort(std::string_view text) {
  const auto bad = [&] {
    return Error::Make(ErrorCode::kInvalidArgument,
                       "--http expects HOST:PORT (e.g. 127.0.0.1:54321), got '" + std::string(text) + "'");
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad();
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) return bad();
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "127.0.0.1";
  return HostPort{std::string(host), static_cast<uint16_t>(port)};
}

std::string AppMigrationsDir(const Config& config) {
  if (!config.migrations_dir.empty()) return config.migrations_dir;
  return (std::filesystem::path(config.data_dir) / "migrations").string();
}

bool IsPostgresUrl(std::string_view url) {
  return url.starts_with("postgres://") || url.starts_with("postgresql://");
}

Result<std::string> SqlitePath(const Config& config) {
  const std::string& url = config.database_url;
  if (url.empty()) return (std::filesystem::path(config.data_dir) / "tenantbase.db").string();
  if (url.starts_with("sqlite://")) {
    const std::string path = url.substr(9);
    if (path.empty()) {
      return Error::Make(ErrorCode::kInvalidArgument, "--database sqlite:// needs a file path");
    }
    return path;
  }
  if (IsPostgresUrl(url)) return std::string();
  return Error::Make(ErrorCode::kInvalidArgument,
                     "--database expects postgres://… or sqlite://PATH, got '" + url + "'");
}

}  // namespace tb::app
