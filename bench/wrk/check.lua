-- GET /check/{port} with the token from $STYXY_TOKEN; the port from $STYXY_CHECK_PORT (default 3000).
--   STYXY_TOKEN=$(cat "$STYXY_HOME/auth.token") wrk -t2 -c16 -d30s --latency -s check.lua http://127.0.0.1:PORT
local token = os.getenv("STYXY_TOKEN") or ""
local port = os.getenv("STYXY_CHECK_PORT") or "3000"
wrk.method = "GET"
wrk.path = "/check/" .. port
wrk.headers["Authorization"] = "Bearer " .. token

function done(summary, latency, requests)
  io.write(string.format("non-2xx or socket errors: %d\n", summary.errors.status + summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.timeout))
  for _, p in pairs({50, 90, 99, 99.9}) do
    io.write(string.format("p%g %.3f ms\n", p, latency:percentile(p) / 1000))
  end
end
