#!/usr/bin/env bash
# Starts a daemon from styxy-server/target/modules in a temporary STYXY_HOME on a free port, with the
# benchmark's JVM flags, and runs the two wrk measurements against it, printing RSS before, during and after.
# Usage: bench/wrk/run.sh [duration, default 30s]   (build first: ./mvnw -B -ntp verify -pl styxy-server -am)
# STYXY_BENCH_EXTRA_JVM adds JVM flags after the standard ones, for experiments (e.g. heap sizing); the figures
# that count are those without it.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DUR="${1:-30s}"
JAVA="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
HOME_DIR="$(mktemp -d /tmp/styxy-bench.XXXXXX)"
# The daemon's own flags (the CLI reads the same file), then any experiment's.
OPTS="$(grep -v '^#' "$ROOT/styxy-cli/src/main/resources/io/styxy/cli/daemon.jvm-options" | tr '\n' ' ')"
# With the daemon's AOT cache when the build made one, as `styxy daemon start` passes it.
AOT="$ROOT/styxy-server/target/styxy-daemon.aot"
[ -f "$AOT" ] && OPTS="$OPTS -XX:AOTCache=$AOT -Xlog:aot*=error,cds*=error"
# shellcheck disable=SC2086
"$JAVA" $OPTS ${STYXY_BENCH_EXTRA_JVM:-} --enable-native-access=ALL-UNNAMED,org.xerial.sqlitejdbc,io.styxy.observers.netlink,io.styxy.server \
  -p "$ROOT/styxy-server/target/modules" -m io.styxy.server/io.styxy.server.daemon.DaemonMain \
  --home "$HOME_DIR" --port 0 --socket "$HOME_DIR/styxy.sock" > "$HOME_DIR/daemon.out" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$HOME_DIR"' EXIT
for _ in $(seq 1 200); do [ -f "$HOME_DIR/daemon.json" ] && break; sleep 0.1; done
PORT=$(sed -n 's/.*"http_port":\([0-9]*\).*/\1/p' "$HOME_DIR/daemon.json")
export STYXY_TOKEN="$(cat "$HOME_DIR/auth.token")"
rss() { awk '/VmRSS/{print $2/1024 " MB"}' /proc/$PID/status; }
URL="http://127.0.0.1:$PORT"
echo "daemon pid $PID port $PORT; load $(cut -d' ' -f1-3 /proc/loadavg)"
sleep 2; echo "idle RSS after start: $(rss)"
# 45 s: the daemon's JIT compiles only on CPU nothing else wants (STYXY_DAEMON_JIT), slower to warm under full load.
echo "--- warm-up (allocate+release, 45s, not counted)"
wrk -t8 -c8 -d45s -s "$ROOT/bench/wrk/allocate-release.lua" "$URL" > /dev/null
echo "--- allocate+release, 8 connections, $DUR"
wrk -t8 -c8 -d"$DUR" --latency -s "$ROOT/bench/wrk/allocate-release.lua" "$URL" &
W=$!; sleep 10; echo "RSS under allocate+release load: $(rss)"; wait $W
echo "--- GET /check/3000, 16 connections, $DUR"
wrk -t2 -c16 -d"$DUR" --latency -s "$ROOT/bench/wrk/check.lua" "$URL" &
W=$!; sleep 10; echo "RSS under check load: $(rss)"; wait $W
sleep 5; echo "RSS after load: $(rss)"
echo "leases left: $(curl -s -H "Authorization: Bearer $STYXY_TOKEN" "$URL/v1/status" | sed -n 's/.*"leases":\([0-9]*\).*/\1/p')"
