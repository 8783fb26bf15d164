#include "domain/billing/plans.h"

#include <rapidjson/document.h>

#include <fstream>
#include <set>
#include <sstream>

namespace tb::billing {

namespace {

Error Invalid(std::string message) { return Error::Make(ErrorCode::kInvalidArgument, std::move(message)); }

std::string Str(const rapidjson::Value& v) { return std::string(v.GetString(), v.GetStringLength()); }

Result<PlanFeature> FeatureOf(const rapidjson::Value& v, const std::string& where) {
  PlanFeature f;
  if (v.IsString()) {
    f.name = Str(v);
  } else if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      const std::string key = Str(m.name);
      if (key == "name" && m.value.IsString()) {
        f.name = Str(m.value);
      } else if (key == "usage_limit" && m.value.IsNull()) {
        f.usage_limit.reset();
      } else if (key == "usage_limit" && m.value.IsInt64() && m.value.GetInt64() >= 0) {
        f.usage_limit = m.value.GetInt64();
      } else {
        return Invalid(where + ": unknown or ill-typed field \"" + key + "\" (name: string, usage_limit: integer >= 0)");
      }
    }
  } else {
    return Invalid(where + ": a feature is a name or {\"name\", \"usage_limit\"}");
  }
  if (f.name.empty()) return Invalid(where + ": a feature needs a name");
  return f;
}

Result<Plan> PlanOf(const rapidjson::Value& v, size_t index) {
  std::string where = "plans[" + std::to_string(index) + "]";
  if (!v.IsObject()) return Invalid(where + " is not an object");
  Plan p;
  for (const auto& m : v.GetObject()) {
    const std::string key = Str(m.name);
    const rapidjson::Value& value = m.value;
    if (key == "features") {
      if (!value.IsArray()) return Invalid(where + ".features is not an array");
      for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
        auto f = FeatureOf(value[i], where + ".features[" + std::to_string(i) + "]");
        if (!f) return std::move(f).error();
        p.features.push_back(std::move(*f));
      }
    } else if (key == "per_seat") {
      if (!value.IsBool()) return Invalid(where + ".per_seat is not a boolean");
      p.per_seat = value.GetBool();
    } else if (key == "id" || key == "provider" || key == "price_id" || key == "mode" || key == "meter") {
      if (!value.IsString()) return Invalid(where + "." + key + " is not a string");
      std::string s = Str(value);
      if (key == "id") p.id = std::move(s);
      if (key == "provider") p.provider = std::move(s);
      if (key == "price_id") p.price_id = std::move(s);
      if (key == "mode") p.mode = std::move(s);
      if (key == "meter") p.meter = std::move(s);
    } else {
      return Invalid(where + ": unknown field \"" + key + "\"");
    }
  }
  if (p.id.empty()) return Invalid(where + " needs an \"id\"");
  where = "plan \"" + p.id + "\"";
  if (p.provider != "stripe" && p.provider != "lemon-squeezy" && p.provider != "paddle") {
    return Invalid(where + ": provider must be stripe, lemon-squeezy or paddle");
  }
  if (p.price_id.empty()) return Invalid(where + " needs a \"price_id\"");
  if (p.mode != "subscription" && p.mode != "payment") return Invalid(where + ": mode must be subscription or payment");
  return p;
}

}  // namespace

Result<Plans> Plans::Parse(std::string_view json) {
  rapidjson::Document doc;
  if (doc.Parse(json.data(), json.size()).HasParseError() || !doc.IsObject()) {
    return Invalid("the billing config is not a JSON object");
  }
  std::vector<Plan> plans;
  for (const auto& m : doc.GetObject()) {
    if (Str(m.name) != "plans") return Invalid("the billing config has an unknown field \"" + Str(m.name) + "\"");
    if (!m.value.IsArray()) return Invalid("\"plans\" is not an array");
    for (rapidjson::SizeType i = 0; i < m.value.Size(); ++i) {
      auto plan = PlanOf(m.value[i], i);
      if (!plan) return std::move(plan).error();
      plans.push_back(std::move(*plan));
    }
  }
  std::set<std::string> ids, prices;
  for (const Plan& p : plans) {
    if (!ids.insert(p.id).second) return Invalid("plan id \"" + p.id + "\" appears twice");
    if (!prices.insert(p.provider + "\n" + p.price_id).second) {
      return Invalid("price " + p.price_id + " of " + p.provider + " belongs to two plans");
    }
  }
  return Plans(std::move(plans));
}

Result<Plans> Plans::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Invalid("cannot read the billing config " + path);
  std::ostringstream text;
  text << in.rdbuf();
  auto plans = Parse(text.str());
  if (!plans) return Invalid(path + ": " + plans.error().message);
  return plans;
}

const Plan* Plans::ById(std::string_view id) const {
  for (const Plan& p : plans_) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

const Plan* Plans::ByPrice(std::string_view provider, std::string_view price_id) const {
  for (const Plan& p : plans_) {
    if (p.provider == provider && p.price_id == price_id) return &p;
  }
  return nullptr;
}

}  // namespace tb::billing
