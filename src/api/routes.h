// api/routes.h
//
// The one table of every route the server answers. Each protocol (auth, rest, storage,
// realtime, billing) adds its rows here as it arrives, so this file is the map of the API.
#pragma once

#include "api/auth/auth_context.h"
#include "api/billing/webhooks.h"
#include "api/health.h"
#include "api/rest/rest_context.h"
#include "api/storage/storage_api.h"
#include "http/router.h"
#include "store/store.h"

namespace tb::api {

// What handlers need, built once by the App and outliving the router.
struct ApiContext {
  store::Store* store = nullptr;
  HealthInfo health;
  auth::AuthContext auth;
  rest::RestContext rest;  // rest.auth points at `auth` above
  billing::BillingContext billing;
  storage::StorageContext storage;  // storage.rest points at `rest` above
};

// REQUIRES: context outlives the returned router.
http::Router BuildRoutes(const ApiContext& context);

}  // namespace tb::api
