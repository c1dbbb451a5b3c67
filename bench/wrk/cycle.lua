-- Allocate + release cycles over the original's routes: POST /allocate, then DELETE /allocate/{lock_id} of a
-- lease this wrk thread was granted. The connections of one thread share a queue of granted lock ids, so every
-- lease is released by the client that allocated it and the daemon holds at most one lease per connection.
--   STYXY_TOKEN=… wrk -t2 -c8 -d20s -s bench/wrk/cycle.lua http://127.0.0.1:PORT
-- Prints one line from done(): requests, rps, cycles/s, p50/p99 in µs, non-2xx answers and socket errors.

local token = os.getenv("STYXY_TOKEN") or ""
local allocate_body = '{"service_type":"dev","service_name":"wrk"}'
local locks = {}
local head, tail = 1, 0

function init(args)
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  if tail >= head then
    local lock = locks[head]
    locks[head] = nil
    head = head + 1
    return wrk.format("DELETE", "/allocate/" .. lock, nil, nil)
  end
  return wrk.format("POST", "/allocate", nil, allocate_body)
end

function response(status, headers, body)
  if status == 200 then
    local lock = string.match(body, '"lock_id"%s*:%s*"([0-9a-fA-F%-]+)"')
    if lock and string.find(body, '"message"%s*:%s*"Port %d+ allocated') then
      tail = tail + 1
      locks[tail] = lock
    end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT requests=%d rps=%.0f cycles_per_s=%.0f p50_us=%d p99_us=%d max_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, summary.requests / seconds, summary.requests / seconds / 2,
    latency:percentile(50), latency:percentile(99), latency.max, e.status,
    e.connect + e.read + e.write + e.timeout))
end
