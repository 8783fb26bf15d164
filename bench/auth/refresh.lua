-- Refresh-token grant: each connection follows its own rotation chain, so every request
-- presents the token the previous response issued. Run with -t N -c N (one connection
-- per thread). REFRESH_TOKENS holds one starting token per thread, comma-separated.
local tokens = {}
for t in string.gmatch(os.getenv("REFRESH_TOKENS"), "[^,]+") do tokens[#tokens + 1] = t end
local next_index = 0

function setup(thread)
  next_index = next_index + 1
  thread:set("token", tokens[next_index])
end

function request()
  return wrk.format("POST", "/auth/v1/token?grant_type=refresh_token",
    { ["apikey"] = os.getenv("APIKEY"), ["Content-Type"] = "application/json" },
    '{"refresh_token":"' .. token .. '"}')
end

function response(status, headers, body)
  if status ~= 200 then error("refresh failed with " .. status .. ": " .. body) end
  token = string.match(body, '"refresh_token":"([^"]+)"')
end
