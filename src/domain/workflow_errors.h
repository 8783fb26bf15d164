// domain/workflow_errors.h
//
// How the seed's workflows fail, in PostgreSQL's terms, so the data API answers as
// PostgREST would for a plpgsql function: a refused workflow is RAISE EXCEPTION (P0001),
// a bad argument 22023 (invalid_parameter_value).
#pragma once

#include <string>

#include "base/error.h"
#include "store/value.h"

namespace tb::domain {

inline Error Refused(std::string message) {
  Error e = Error::Make(ErrorCode::kFailedPrecondition, std::move(message));
  e.sqlstate = "P0001";
  return e;
}

inline Error BadArgument(std::string message) {
  Error e = Error::Make(ErrorCode::kInvalidArgument, std::move(message));
  e.sqlstate = "22023";
  return e;
}

// A roles.hierarchy_level as read from the store (integer or real).
inline double HierarchyLevel(const store::Value& v) {
  return v.kind() == store::Value::Kind::kInt ? static_cast<double>(v.as_int()) : v.as_real();
}

}  // namespace tb::domain
