-- GET /auth/v1/user with a user's access token (JWT check + session lookup per request).
wrk.method = "GET"
wrk.path = "/auth/v1/user"
wrk.headers["apikey"] = os.getenv("APIKEY")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("ACCESS_TOKEN")

function response(status, headers, body)
  if status ~= 200 then error("getUser failed with " .. status) end
end
