-- GET /check/{port} with the token; the port comes from STYXY_CHECK_PORT (default 3000).
--   STYXY_TOKEN=… wrk -t2 -c16 -d20s -s bench/wrk/check.lua http://127.0.0.1:PORT
local token = os.getenv("STYXY_TOKEN") or ""
local port = os.getenv("STYXY_CHECK_PORT") or "3000"

function init(args)
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.path = "/check/" .. port
end

function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT requests=%d rps=%.0f p50_us=%d p99_us=%d max_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, summary.requests / seconds, latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout))
end
