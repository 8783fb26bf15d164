-- Every HTTP workload of bench/run, chosen by WORKLOAD, with a different user on every
-- request: DATA names the directory bench/rest/seed.mjs wrote (users.txt and the pair
-- files); APIKEY is the anon key. Each thread walks its pair list from its own offset.
-- Every response is checked for its status and shape; a wrong one raises an error, which
-- ends wrk, so a broken workload cannot report a fast number.
local dir = os.getenv("DATA")
local apikey = os.getenv("APIKEY")
local name = os.getenv("WORKLOAD")

-- How many times `key` is a JSON key in body (PostgreSQL may write `"key" : value`).
local function count(body, key)
  local _, n = body:gsub('"' .. key .. '"%s*:', "")
  return n
end

-- Each workload: the pair file it walks, the request for one (user, value) pair, the status
-- it must answer and a test of the body's shape.
local workloads = {
  floor = {
    request = function() return "GET", "/healthz" end,
    status = 200,
    ok = function(body) return body:find('"status":"ok"', 1, true) end,
  },
  ["read-list"] = {  -- a member lists their account's notes: 10 rows
    file = "members.txt",
    request = function(_, account) return "GET", "/rest/v1/notes?account_id=eq." .. account .. "&limit=10" end,
    status = 200,
    ok = function(body) return count(body, "content") == 10 end,
  },
  ["read-one"] = {  -- a member reads one note as an object (supabase-js .single())
    file = "notes.txt",
    request = function(_, note)
      return "GET", "/rest/v1/notes?id=eq." .. note, { ["Accept"] = "application/vnd.pgrst.object+json" }
    end,
    status = 200,
    ok = function(body) return body:match('^{%s*"id"') and count(body, "content") == 1 end,
  },
  ["read-embed"] = {  -- a member reads the account's subscription with its two items embedded
    file = "members.txt",
    request = function(_, account)
      return "GET", "/rest/v1/subscriptions?select=*,items:subscription_items(*)&account_id=eq." .. account
    end,
    status = 200,
    ok = function(body)
      return body:match('^%[{%s*"id"%s*:%s*"sub_bench_') and body:match('"items"%s*:%s*%[%s*{')
        and count(body, "price_id") == 2
    end,
  },
  write = {  -- a member (notes.manage) adds a note; Prefer: return=representation
    file = "members.txt",
    request = function(_, account)
      return "POST", "/rest/v1/notes", { ["Content-Type"] = "application/json", ["Prefer"] = "return=representation" },
        '{"account_id":"' .. account .. '","content":"written by bench/run"}'
    end,
    status = 201,
    ok = function(body)
      return body:match('^%[{%s*"id"') and body:match('"content"%s*:%s*"written by bench/run"') and count(body, "id") == 1
    end,
  },
  rpc = {  -- has_permission(user_id, account_id, permission_name) for the caller's own membership
    file = "members.txt",
    request = function(user, account)
      return "POST", "/rest/v1/rpc/has_permission", { ["Content-Type"] = "application/json" },
        '{"user_id":"' .. user[2] .. '","account_id":"' .. account .. '","permission_name":"notes.manage"}'
    end,
    status = 200,
    ok = function(body) return body == "true" end,
  },
  denied = {  -- a non-member reads another account's notes: the policy hides every row
    file = "outsiders.txt",
    request = function(_, account) return "GET", "/rest/v1/notes?account_id=eq." .. account .. "&limit=10" end,
    status = 200,
    ok = function(body) return body == "[]" end,
  },
  login = {  -- password grant (argon2id), a different user each time
    request = function(user)
      return "POST", "/auth/v1/token?grant_type=password", { ["Content-Type"] = "application/json" },
        '{"email":"' .. user[3] .. '","password":"bench password 123"}', true
    end,
    status = 200,
    ok = function(body) return count(body, "access_token") == 1 end,
  },
}
local workload = workloads[name] or error("WORKLOAD names no workload of bench/rest/workloads.lua: " .. tostring(name))

local users = {}
local list = {}
if name ~= "floor" then
  for line in io.lines(dir .. "/users.txt") do
    local token, id, email = line:match("^(%S+) (%S+) (%S+)$")
    users[#users + 1] = { token, id, email }
  end
  if workload.file then
    for line in io.lines(dir .. "/" .. workload.file) do
      local i, value = line:match("^%d+ (%d+) (%S+)$")
      list[#list + 1] = { users[tonumber(i)], value }
    end
  else
    for _, user in ipairs(users) do list[#list + 1] = { user } end
  end
end

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("offset", threads * 7919)
end

local i = 0
function request()
  i = i + 1
  local pair = list[((offset or 0) + i) % math.max(#list, 1) + 1] or {}
  local method, path, headers, body, anonymous = workload.request(pair[1], pair[2])
  headers = headers or {}
  if pair[1] then
    headers["apikey"] = apikey
    headers["Authorization"] = "Bearer " .. (anonymous and apikey or pair[1][1])
  end
  return wrk.format(method, path, headers, body)
end

function response(status, headers, body)
  if status ~= workload.status then error(name .. " answered " .. status .. ": " .. body) end
  if not workload.ok(body) then error(name .. " answered an unexpected body: " .. body) end
end
