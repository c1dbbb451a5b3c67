#!/usr/bin/env bash
# The floor under row 6 of bench/run: how much a Helidon SE server that answers one JSON route holds at rest, started
# with the daemon's JVM flags (daemon.jvm-options, no AOT cache) and measured as row 6 measures the daemon (VmRSS 10 s
# after start and 20 requests), beside the daemon measured the same way. One process per row and run, RUNS runs each
# (default 3); prints a table.
#
#   bench/floor/run.sh [--no-build]
#
# Modes (Floor.java): text (no JSON library), core (jackson-core's generator, as the daemon writes its JSON),
# databind (Jackson's data binding). Uses the modules the build put in styxy-server/target/modules and
# bench/jmh/target/lib; nothing touches ~/.styxy or port 9876 (the kernel picks the port).
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/../lib.sh"

BUILD=1
[ "${1:-}" = "--no-build" ] && BUILD=0
RUNS=${RUNS:-3}
if [ "$BUILD" = 1 ]; then build; fi

MODULES="$ROOT/styxy-server/target/modules"
DATABIND="$ROOT/bench/jmh/target/lib/jackson-databind-2.23.0.jar:$ROOT/bench/jmh/target/lib/jackson-annotations-2.23.jar"
for f in "$MODULES" ${DATABIND//:/ }; do
  [ -e "$f" ] || { echo "bench: $f is missing; run without --no-build" >&2; exit 1; }
done
work=$(mktemp -d /tmp/styxy-floor.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$JDK/bin/javac" -d "$work/classes" -p "$MODULES:$DATABIND" \
  --add-modules io.helidon.webserver,com.fasterxml.jackson.core,com.fasterxml.jackson.databind \
  "$ROOT/bench/floor/Floor.java"
FLAGS=$(grep -v '^#' "$DAEMON_JVM_OPTIONS" | tr '\n' ' ')

# at_rest <pid> <base url> <class-load log> [curl options…]: 20 GET /check/3000, then 10 s, as row 6 measures the
# daemon; sets MB (VmRSS) and CLASSES (classes loaded)
at_rest() {
  local pid=$1 url=$2 log=$3
  shift 3
  for _ in $(seq 1 20); do curl -fs -o /dev/null "$@" "$url/check/3000"; done
  sleep 10
  MB=$(rss_mb "$pid")
  CLASSES=$(wc -l <"$log")
}

# measure <mode> <root modules>: one Floor server at rest; sets MB and CLASSES
measure() {
  local mode=$1 roots=$2 port i
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # shellcheck disable=SC2086
  "$JAVA" $FLAGS -Xlog:class+load=info:file="$work/classes-$mode.log" -cp "$work/classes" \
    -p "$MODULES:$DATABIND" --add-modules "$roots" --limit-modules "$roots" Floor "$port" "$mode" \
    >"$work/$mode.out" 2>&1 &
  pid=$!
  for i in $(seq 1 500); do
    curl -fs -o /dev/null "http://127.0.0.1:$port/check/3000" && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/$mode.out" >&2; exit 1; }
    sleep 0.02
  done
  at_rest "$pid" "http://127.0.0.1:$port" "$work/classes-$mode.log"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  pid=
}

echo "Helidon SE floor — $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) CPUs; $("$JAVA" -version 2>&1 | head -1)"
echo "Flags: $FLAGS"
echo
echo "| server | idle VmRSS (MB), each run | classes loaded |"
echo "|---|---|---|"
for spec in "text:io.helidon.webserver" "core:io.helidon.webserver,com.fasterxml.jackson.core" \
            "databind:io.helidon.webserver,com.fasterxml.jackson.databind"; do
  mode=${spec%%:*}
  rss=()
  for _ in $(seq 1 "$RUNS"); do
    measure "$mode" "${spec#*:}"
    rss+=("$MB")
  done
  echo "| one JSON route, $mode | ${rss[*]} | $CLASSES |"
done

# daemon_row <label> <extra JVM flags>: the daemon as bench/run's row 6 measures it
daemon_row() {
  local label=$1 extra=$2 rss=()
  for _ in $(seq 1 "$RUNS"); do
    local home="$work/home"
    STYXY_BENCH_DAEMON_OPTS="$FLAGS $extra -Xlog:class+load=info:file=$work/classes-daemon.log"
    start_daemon "$home" || { echo "bench: the daemon did not start" >&2; exit 1; }
    pid=$DAEMON_PID
    at_rest "$pid" "http://127.0.0.1:$DAEMON_PORT" "$work/classes-daemon.log" \
      -H "Authorization: Bearer $DAEMON_TOKEN"
    rss+=("$MB")
    stop_daemon || true
    pid=
    rm -rf "$home"
  done
  echo "| $label | ${rss[*]} | $CLASSES |"
}
daemon_row "the daemon, no AOT cache" ""
if [ -f "$DAEMON_AOT_CACHE" ]; then
  daemon_row "the daemon with its AOT cache (row 6)" "$(daemon_aot_flags)"
fi
