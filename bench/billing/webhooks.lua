-- Stripe webhooks, each a different signed event, from the file EVENTS (bench/billing/events.mjs):
-- "<Stripe-Signature>\t<body>" per line. Threads take turns through the lines; a run that
-- reaches the end starts over (those deliveries are duplicates, so size the file to the run).
local events = {}
local index = 0

function setup(thread)
  thread:set("id", index)
  index = index + 1
end

function init(args)
  local step = 2  -- threads (wrk -t2)
  local n = 0
  for line in io.lines(os.getenv("EVENTS")) do
    if n % step == id then
      local tab = line:find("\t", 1, true)
      events[#events + 1] = { line:sub(1, tab - 1), line:sub(tab + 1) }
    end
    n = n + 1
  end
  counter = 0
end

function request()
  counter = counter + 1
  local e = events[(counter - 1) % #events + 1]
  return wrk.format("POST", "/billing/v1/webhooks/stripe",
    { ["Content-Type"] = "application/json", ["Stripe-Signature"] = e[1] }, e[2])
end

function response(status, headers, body)
  if status ~= 200 then error("webhook answered " .. status .. ": " .. body) end
end
