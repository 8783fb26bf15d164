#include "store/sqlite/sqlite_dialect.h"

#include <array>

namespace tb::store::sqlite {

namespace {

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$';
}

bool IsWordStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '"'; }

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (x != b[i]) return false;
  }
  return true;
}

// The end of the literal, quoted identifier or comment starting at `i`, or `i` when none does.
size_t SkipOpaque(std::string_view sql, size_t i) {
  const char c = sql[i];
  if (c == '\'' || c == '"') {
    for (size_t j = i + 1; j < sql.size(); ++j) {
      if (sql[j] != c) continue;
      if (j + 1 < sql.size() && sql[j + 1] == c) {  // '' or "" inside
        ++j;
        continue;
      }
      return j + 1;
    }
    return sql.size();
  }
  if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
    const size_t end = sql.find('\n', i);
    return end == std::string_view::npos ? sql.size() : end;
  }
  if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
    const size_t end = sql.find("*/", i + 2);
    return end == std::string_view::npos ? sql.size() : end + 2;
  }
  return i;
}

}  // namespace

std::string TranslateSchemaNames(std::string_view sql) {
  static constexpr std::array<std::string_view, 3> kPrefixed = {"auth", "kit", "storage"};
  std::string out;
  out.reserve(sql.size());
  size_t i = 0;
  while (i < sql.size()) {
    if (const size_t end = SkipOpaque(sql, i); end != i) {
      out.append(sql, i, end - i);
      i = end;
      continue;
    }
    if (!IsWordChar(sql[i]) || (i > 0 && (IsWordChar(sql[i - 1]) || sql[i - 1] == '.'))) {
      out += sql[i++];
      continue;
    }
    size_t end = i;
    while (end < sql.size() && IsWordChar(sql[end])) ++end;
    const std::string_view word = sql.substr(i, end - i);
    const bool qualifies = end + 1 < sql.size() && sql[end] == '.' && IsWordStart(sql[end + 1]);
    bool done = false;
    if (qualifies && EqualsIgnoringCase(word, "public")) {
      i = end + 1;  // public.x → x
      done = true;
    }
    for (std::string_view schema : kPrefixed) {
      // Only an unquoted name can take the prefix; auth."x" is left for SQLite to refuse.
      if (done || !qualifies || sql[end + 1] == '"' || !EqualsIgnoringCase(word, schema)) continue;
      out.append(schema);
      out += '_';
      i = end + 1;  // auth.users → auth_users
      done = true;
    }
    if (!done) {
      out.append(word);
      i = end;
    }
  }
  return out;
}

}  // namespace tb::store::sqlite
