# Shared by bench/run and bench/reliability: JDK lookup, build, tools, starting a daemon with a private home.
# Sourced, not run.

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
MIN_JAVA=25

log() { echo "bench: $*" >&2; }

find_jdk() {
  local c major
  for c in "${STYXY_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] && [ -r "$c/release" ] || continue
    major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$c/release")
    if [ -n "$major" ] && [ "$major" -ge "$MIN_JAVA" ]; then echo "$c"; return 0; fi
  done
  return 1
}

JDK="$(find_jdk)" || { echo "bench: no JDK $MIN_JAVA or newer (set JAVA_HOME)" >&2; exit 3; }
export JAVA_HOME="$JDK"
JAVA="$JDK/bin/java"
BENCH_CP="$ROOT/bench/jmh/target/classes:$ROOT/bench/jmh/target/lib/*"
export STYXY_BENCH_JAVA="$JAVA"
export STYXY_BENCH_MODULES="$ROOT/styxy-server/target/modules"
# The flags `styxy daemon start` uses (the CLI reads the same file); override to compare.
DAEMON_JVM_OPTIONS="$ROOT/styxy-cli/src/main/resources/io/styxy/cli/daemon.jvm-options"
# With the daemon's AOT cache when the build made one, as `styxy daemon start` passes it.
DAEMON_AOT_CACHE="$ROOT/styxy-server/target/styxy-daemon.aot"
daemon_aot_flags() { [ -f "$DAEMON_AOT_CACHE" ] && echo "-XX:AOTCache=$DAEMON_AOT_CACHE -Xlog:aot*=error,cds*=error"; }
STYXY_BENCH_DAEMON_OPTS="${STYXY_BENCH_DAEMON_OPTS:-$(grep -v '^#' "$DAEMON_JVM_OPTIONS" | tr '\n' ' ') $(daemon_aot_flags)}"
export STYXY_BENCH_DAEMON_OPTS

build() {
  mkdir -p "$ROOT/target"
  log "building (./mvnw -B -ntp -DskipTests package; log in target/bench-build.log)"
  if ! (cd "$ROOT" && ./mvnw -B -ntp -DskipTests package >"$ROOT/target/bench-build.log" 2>&1); then
    tail -n 30 "$ROOT/target/bench-build.log" >&2
    echo "bench: the build failed; see target/bench-build.log" >&2
    exit 1
  fi
}

# need_tool <command> <debian package>: installs it with apt-get when missing (we may be root on a fresh machine).
need_tool() {
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing $2"
    { apt-get install -y "$2" || { apt-get update && apt-get install -y "$2"; }; } >/dev/null 2>&1
  fi
  command -v "$1" >/dev/null 2>&1
}

# start_daemon <home>: launches the packaged daemon (as `styxy daemon start` would) on a kernel-chosen port and
# waits for /status. Sets DAEMON_PID, DAEMON_PORT, DAEMON_TOKEN, DAEMON_SOCKET.
start_daemon() {
  local home=$1 i
  mkdir -p "$home"
  rm -f "$home/daemon.json"
  # shellcheck disable=SC2086
  env -u LD_PRELOAD -u STYXY_DAEMON_PORT STYXY_DISABLE_REASSIGN=1 \
    "$JAVA" $STYXY_BENCH_DAEMON_OPTS --enable-native-access=ALL-UNNAMED,org.xerial.sqlitejdbc,io.styxy.observers.netlink,io.styxy.server \
    -p "$STYXY_BENCH_MODULES" -m io.styxy.server/io.styxy.server.daemon.DaemonMain \
    --home "$home" --port 0 --socket "$home/styxy.sock" >>"$home/daemon.out" 2>&1 &
  DAEMON_PID=$!
  for i in $(seq 1 3000); do
    if [ -f "$home/daemon.json" ]; then
      DAEMON_PORT=$(sed -n 's/.*"http_port":\([0-9]*\).*/\1/p' "$home/daemon.json")
      if [ -n "$DAEMON_PORT" ] && curl -fs -o /dev/null "http://127.0.0.1:$DAEMON_PORT/status"; then
        DAEMON_TOKEN=$(cat "$home/auth.token")
        DAEMON_SOCKET="$home/styxy.sock"
        return 0
      fi
    fi
    kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$home/daemon.out" >&2; return 1; }
    sleep 0.01
  done
  return 1
}

stop_daemon() {
  [ -n "${DAEMON_PID:-}" ] || return 0
  kill "$DAEMON_PID" 2>/dev/null
  wait "$DAEMON_PID" 2>/dev/null
  DAEMON_PID=
}

cpu_ticks() { # user + system CPU ticks of a pid so far
  awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null
}

# cpu_per_req <ticks before> <ticks after> <requests>: the daemon's CPU time per request, in µs
cpu_per_req() {
  awk -v a="$1" -v b="$2" -v n="$3" -v hz="$(getconf CLK_TCK)" 'BEGIN { if (n > 0) printf "%.0f", (b - a) * 1e6 / hz / n; else print "?" }'
}

rss_mb() { # VmRSS of a pid in MB
  awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status" 2>/dev/null
}

# socket_answers <path>: the daemon's Unix socket is there and answers PING.
socket_answers() {
  [ -S "$1" ] || return 1
  if command -v socat >/dev/null; then
    printf 'PING\n' | timeout 2 socat - "UNIX-CONNECT:$1" 2>/dev/null | grep -q '^OK'
  else
    timeout 2 python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"PING\n"); sys.exit(0 if s.recv(64).startswith(b"OK") else 1)' "$1" 2>/dev/null
  fi
}

machine() {
  echo "$(date -u +%Y-%m-%dT%H:%MZ); $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)); kernel $(uname -r); JDK $("$JAVA" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -1) ($(sed -n 's/^IMPLEMENTOR="\(.*\)"/\1/p' "$JDK/release")); load average $(cut -d' ' -f1-3 /proc/loadavg)"
}
