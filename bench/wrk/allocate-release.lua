-- Allocate, then release what was allocated, on one connection per wrk thread (run with -t N -c N), so every
-- connection releases exactly the lease it got. The token comes from $STYXY_TOKEN.
--   STYXY_TOKEN=$(cat "$STYXY_HOME/auth.token") wrk -t8 -c8 -d30s --latency -s allocate-release.lua http://127.0.0.1:PORT
local token = os.getenv("STYXY_TOKEN") or ""
local type = os.getenv("STYXY_TYPE") or "dev"
local pending = nil
local errors = 0

function request()
  if pending then
    local lock = pending
    pending = nil
    return wrk.format("DELETE", "/allocate/" .. lock, {["Authorization"] = "Bearer " .. token})
  end
  return wrk.format("POST", "/allocate", {["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json"}, '{"service_type":"' .. type .. '","service_name":"bench"}')
end

function response(status, headers, body)
  local lock = string.match(body, '"lock_id":"([0-9a-f%-]+)"')
  if status == 200 and lock and string.find(body, '"message":"Port %d+ allocated') then
    pending = lock
  elseif status ~= 200 then
    errors = errors + 1
  end
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx or socket errors: %d\n", summary.errors.status + summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.timeout))
  for _, p in pairs({50, 90, 99, 99.9}) do
    io.write(string.format("p%g %.3f ms\n", p, latency:percentile(p) / 1000))
  end
end
