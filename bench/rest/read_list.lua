-- GET /rest/v1/notes?account_id=eq.X&limit=10 with a different user's token on every
-- request: PAIRS names a file of "token account_id" lines (bench/rest/seed.mjs); each
-- thread walks it from its own offset. EXPECT_ROWS=1 fails the run on an empty answer
-- (members), EXPECT_ROWS=0 on a non-empty one (outsiders: policy-denied reads).
local pairs_file = os.getenv("PAIRS")
local expect_rows = os.getenv("EXPECT_ROWS") == "1"
local apikey = os.getenv("APIKEY")
local list = {}
for line in io.lines(pairs_file) do
  local token, account = line:match("^(%S+) (%S+)$")
  if token then list[#list + 1] = { token, account } end
end
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("offset", threads * 7919)
end

local i = 0
function request()
  i = i + 1
  local pair = list[((offset or 0) + i) % #list + 1]
  return wrk.format("GET", "/rest/v1/notes?account_id=eq." .. pair[2] .. "&limit=10",
    { ["apikey"] = apikey, ["Authorization"] = "Bearer " .. pair[1] })
end

function response(status, headers, body)
  if status ~= 200 then error("read failed with " .. status .. ": " .. body) end
  local empty = body == "[]"
  if expect_rows and empty then error("a member read no notes") end
  if not expect_rows and not empty then error("an outsider read notes: " .. body) end
end
