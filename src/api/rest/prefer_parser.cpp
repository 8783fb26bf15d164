// The Prefer header(s) of a /rest/v1 request (query_parser.h: ParsePrefer).

#include <optional>
#include <string>

#include "api/rest/query_parser.h"
#include "base/strings.h"

namespace tb::rest {

namespace {

template <typename E>
struct PreferToken {
  std::string_view text;
  E value;
};

constexpr PreferToken<ReturnPreference> kReturnTokens[] = {
    {"return=minimal", ReturnPreference::kMinimal},
    {"return=headers-only", ReturnPreference::kHeadersOnly},
    {"return=representation", ReturnPreference::kRepresentation}};
constexpr PreferToken<CountPreference> kCountTokens[] = {
    {"count=exact", CountPreference::kExact},
    {"count=planned", CountPreference::kPlanned},
    {"count=estimated", CountPreference::kEstimated}};
constexpr PreferToken<ResolutionPreference> kResolutionTokens[] = {
    {"resolution=merge-duplicates", ResolutionPreference::kMergeDuplicates},
    {"resolution=ignore-duplicates", ResolutionPreference::kIgnoreDuplicates}};
constexpr PreferToken<MissingPreference> kMissingTokens[] = {
    {"missing=default", MissingPreference::kDefault}, {"missing=null", MissingPreference::kNull}};
constexpr PreferToken<HandlingPreference> kHandlingTokens[] = {
    {"handling=lenient", HandlingPreference::kLenient},
    {"handling=strict", HandlingPreference::kStrict}};
constexpr PreferToken<TxPreference> kTxTokens[] = {{"tx=commit", TxPreference::kCommit},
                                                   {"tx=rollback", TxPreference::kRollback}};

// Whether `token` is one of `table`'s; sets `slot` unless an earlier token already did.
template <typename E, size_t N>
bool Pick(std::optional<E>& slot, std::string_view token, const PreferToken<E> (&table)[N]) {
  for (const PreferToken<E>& entry : table) {
    if (token != entry.text) continue;
    if (!slot) slot = entry.value;
    return true;
  }
  return false;
}

}  // namespace

Result<Preferences> ParsePrefer(std::span<const std::string_view> prefer_headers) {
  Preferences prefs;
  std::optional<HandlingPreference> handling;
  bool seen_max_affected = false;
  for (std::string_view header : prefer_headers) {
    for (std::string_view raw : Split(header, ',')) {
      const std::string_view token = Trim(raw);
      if (token.empty()) continue;
      if (Pick(prefs.representation, token, kReturnTokens) ||
          Pick(prefs.count, token, kCountTokens) ||
          Pick(prefs.resolution, token, kResolutionTokens) ||
          Pick(prefs.missing, token, kMissingTokens) || Pick(handling, token, kHandlingTokens) ||
          Pick(prefs.tx, token, kTxTokens) || token == "params=single-object") {
        continue;  // params=single-object: PostgREST's deprecated RPC preference, no effect here
      }
      if (token.starts_with("timezone=")) {
        if (!prefs.timezone) prefs.timezone = std::string(token.substr(9));
      } else if (token.starts_with("max-affected=")) {
        // As in PostgREST: a value that is not a number is ignored, not invalid.
        if (!seen_max_affected) prefs.max_affected = ParseInt64(token.substr(13));
        seen_max_affected = true;
      } else {
        prefs.invalid.emplace_back(token);
      }
    }
  }
  prefs.handling = handling.value_or(HandlingPreference::kLenient);
  if (prefs.handling == HandlingPreference::kStrict && !prefs.invalid.empty()) {
    std::string list;
    for (const std::string& token : prefs.invalid) list += (list.empty() ? "" : ", ") + token;
    Error error = Error::WithReason(ErrorCode::kInvalidArgument, "PGRST122",
                                    "Invalid preferences given with handling=strict");
    error.detail = "Invalid preferences: " + list;
    return error;
  }
  return prefs;
}

}  // namespace tb::rest
