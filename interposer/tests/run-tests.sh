#!/usr/bin/env bash
# Runs the interposer's tests, one process and one fresh fake daemon per test, and closes
# with "N passed, M failed". Exit status 0 only if nothing failed.
#
# Environment (the Makefile sets it):
#   OUT       build directory, holding libstyxy-interpose.so and tests/test_bind (required)
#   PRELOAD   LD_PRELOAD for the C tests (default: the library)
#   TEST_BIN  the C test binary (default: $OUT/tests/test_bind)
#   RUNNER    a command each C test runs under, e.g. "valgrind --tool=helgrind"
#   ONLY      names of the tests to run, separated by spaces (default: all)
#   SERVERS   0 skips the tests with real servers (python, node, java)
set -u

here=$(cd "$(dirname "$0")" && pwd)
: "${OUT:?OUT must name the build directory}"
LIB=$OUT/libstyxy-interpose.so
PRELOAD=${PRELOAD:-$LIB}
TEST_BIN=${TEST_BIN:-$OUT/tests/test_bind}
RUNNER=${RUNNER:-}
ONLY=${ONLY:-}
SERVERS=${SERVERS:-1}
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
NODE=${NODE:-node}
# The real interpreter, not a version-manager shim, so that $! is the server's own pid.
PYTHON=$(python3 -c 'import sys; print(sys.executable)')

# Whatever Styxy setup the calling shell has must not leak into the tests.
unset LD_PRELOAD STYXY_SOCKET STYXY_HOME STYXY_NOTICE STYXY_DISABLE_REASSIGN STYXY_REASSIGN_UDP

passed=0
failed=0
pids=()
dirs=()

cleanup() {
    local p d
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    for d in "${dirs[@]}"; do rm -rf "$d"; done
    pids=()
    dirs=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

selected() {
    [ -z "$ONLY" ] && return 0
    case " $ONLY " in *" $1 "*) return 0 ;; esac
    return 1
}

report() { # name status output-file [extra file to show on failure]
    if [ "$2" = ok ]; then
        passed=$((passed + 1))
        printf 'ok   %s\n' "$1"
        [ -s "$3" ] && sed 's/^/     /' "$3"
    else
        failed=$((failed + 1))
        printf 'FAIL %s\n' "$1"
        [ -s "$3" ] && sed 's/^/     | /' "$3"
        if [ $# -ge 4 ] && [ -s "$4" ]; then
            printf '     daemon log:\n'
            sed 's/^/     | /' "$4" | head -50
        fi
        # What the test captured from its own stdout/stderr (a sanitizer report lands there).
        local f
        for f in "$(dirname "$3")"/capture-*; do
            [ -s "$f" ] || continue
            printf '     %s:\n' "${f##*/}"
            sed 's/^/     | /' "$f" | head -50
        done
    fi
    return 0
}

new_dir() {
    dir=$(mktemp -d "${TMPDIR:-/tmp}/styxy-test.XXXXXX")
    dirs+=("$dir")
}

# start_daemon <dir> <mode>: the fake daemon on <dir>/styxy.sock, logging to <dir>/daemon.log;
# in hold mode its answers wait for <dir>/go
start_daemon() {
    : >"$1/daemon.log"
    [ "$2" = none ] && return 0
    env -u LD_PRELOAD "$PYTHON" "$here/fake_daemon.py" --socket "$1/styxy.sock" \
        --log "$1/daemon.log" --ready "$1/ready" --go "$1/go" --mode "$2" 2>"$1/daemon.err" &
    pids+=($!)
    local i
    for i in $(seq 1 500); do
        [ -e "$1/ready" ] && return 0
        sleep 0.01
    done
    echo "the fake daemon did not start:" >&2
    cat "$1/daemon.err" >&2
    return 1
}

# The library gives the daemon 150 ms. On a machine overloaded by other work (1-minute load
# average above the number of CPUs) the fake daemon may not even be scheduled in that time,
# and the library rightly falls back to EADDRINUSE. Only then is a failed test run once more,
# and the output says so; on a machine that is not overloaded, a failure is a failure.
overloaded() {
    local load cpus
    load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null) || return 1
    cpus=$(nproc)
    awk -v l="$load" -v c="$cpus" 'BEGIN { exit !(l > c) }' && echo "$load"
}

# run_c <test> <daemon mode> [VAR=value ...]: one C test under LD_PRELOAD
run_c() {
    local name=$1 mode=$2 load
    shift 2
    selected "$name" || return 0
    run_c_once "$name" "$mode" "$@" && return 0
    load=$(overloaded) || { report "$name" fail "$dir/out" "$dir/daemon.log"; cleanup; return 0; }
    printf 'retry %s: it failed with the load average at %s on %s CPUs; first attempt:\n' \
        "$name" "$load" "$(nproc)"
    sed 's/^/     | /' "$dir/out"
    cleanup
    if run_c_once "$name" "$mode" "$@"; then
        report "$name" ok "$dir/out"
    else
        report "$name" fail "$dir/out" "$dir/daemon.log"
    fi
    cleanup
}

# One attempt; on success it reports and cleans up, on failure it leaves $dir for run_c.
run_c_once() {
    local name=$1 mode=$2
    shift 2
    new_dir
    if ! start_daemon "$dir" "$mode" >"$dir/out" 2>&1; then
        return 1
    fi
    # shellcheck disable=SC2086 # RUNNER is a command line
    if env LD_PRELOAD="$PRELOAD" STYXY_SOCKET="$dir/styxy.sock" STYXY_TEST_LOG="$dir/daemon.log" \
        STYXY_TEST_DIR="$dir" "$@" $RUNNER "$TEST_BIN" "$name" >>"$dir/out" 2>&1; then
        report "$name" ok "$dir/out"
        cleanup
        return 0
    fi
    return 1
}

# Only the hook is exported: everything else is hidden.
test_exports() {
    selected exports || return 0
    new_dir
    local syms
    syms=$(nm -D --defined-only "$LIB" | awk '{print $NF}' | sort | tr '\n' ' ')
    if [ "$syms" = "bind " ]; then
        echo "  nm -D --defined-only: bind" >"$dir/out"
        report exports ok "$dir/out"
    else
        echo "exported symbols: $syms" >"$dir/out"
        report exports fail "$dir/out"
    fi
    cleanup
}

http_get() { # url -> prints the status code
    if command -v curl >/dev/null; then
        curl -s -o /dev/null -w '%{http_code}' --noproxy '*' --max-time 3 "$1"
    else
        env -u LD_PRELOAD "$PYTHON" -c 'import sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
print(opener.open(sys.argv[1], timeout=3).status)' "$1" 2>/dev/null
    fi
}

# server_test <name> <host for the URL> <command ...>: the command, with @BUSY@ replaced by a
# port held busy on 0.0.0.0, runs under LD_PRELOAD; the notice on its stderr names the new
# port; an HTTP GET on that port must answer 200; the daemon must have the server's pid.
server_test() {
    local name=$1 load
    selected "$name" || return 0
    server_test_once "$@" && return 0
    load=$(overloaded) || { report "$name" fail "$dir/out" "$dir/daemon.log"; cleanup; return 0; }
    printf 'retry %s: it failed with the load average at %s on %s CPUs; first attempt:\n' \
        "$name" "$load" "$(nproc)"
    sed 's/^/     | /' "$dir/out"
    cleanup
    if server_test_once "$@"; then
        return 0
    fi
    report "$name" fail "$dir/out" "$dir/daemon.log"
    cleanup
}

# One attempt; on success it reports and cleans up, on failure it leaves $dir for server_test.
server_test_once() {
    local name=$1 host=$2
    shift 2
    new_dir
    local out=$dir/out
    if ! start_daemon "$dir" normal >"$out" 2>&1; then
        return 1
    fi
    env -u LD_PRELOAD "$PYTHON" -c 'import socket, sys, time
s = socket.socket()
s.bind(("0.0.0.0", 0))
s.listen()
open(sys.argv[1], "w").write("%d\n" % s.getsockname()[1])
time.sleep(600)' "$dir/busy.tmp" &
    pids+=($!)
    local i busy=
    for i in $(seq 1 500); do
        [ -s "$dir/busy.tmp" ] && busy=$(cat "$dir/busy.tmp") && break
        sleep 0.01
    done
    local cmd=() arg
    for arg in "$@"; do cmd+=("${arg//@BUSY@/$busy}"); done
    (cd "$dir" && exec env LD_PRELOAD="$LIB" STYXY_SOCKET="$dir/styxy.sock" "${cmd[@]}") \
        >"$dir/server.out" 2>"$dir/server.err" &
    local server=$!
    pids+=("$server")

    local given= status= line
    for i in $(seq 1 300); do
        line=$(grep -ao "STYXY: Port $busy was in use, auto-assigned port [0-9]*" "$dir/server.err")
        [ -n "$line" ] && given=${line##* } && break
        kill -0 "$server" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$given" ]; then
        { echo "no notice from the server (busy port ${busy:-?})"; cat "$dir/server.err"; } >>"$out"
        return 1
    fi
    for i in $(seq 1 100); do
        status=$(http_get "http://$host:$given/")
        [ "$status" = 200 ] && break
        sleep 0.1
    done
    if [ "$status" = 200 ] && grep -q "^> REASSIGN pid=$server port=$busy proto=tcp$" "$dir/daemon.log"; then
        echo "  $busy busy -> notice: port $given -> GET http://$host:$given/ -> $status" >>"$out"
        report "$name" ok "$out"
        cleanup
        return 0
    fi
    { echo "GET http://$host:$given/ -> ${status:-nothing}"; cat "$dir/server.err"; } >>"$out"
    return 1
}

# C tests: <name> <fake daemon mode> [environment]
run_c untouched_free     normal
run_c v4_conflict        normal
run_c v6_conflict        normal
run_c dualstack_conflict normal
run_c v4mapped_conflict  normal
run_c threads16          normal
run_c fork_child         normal
run_c fork_inflight      hold
run_c reentry_signal     hold
run_c cancel_during_conflict hold
run_c mptcp_conflict     normal
run_c daemon_absent      none
run_c daemon_hung        hang
run_c daemon_refuses     refuse
run_c garbage_answers    garbage
run_c race_retry         race
run_c race_exhausted     always-busy
run_c disabled           normal STYXY_DISABLE_REASSIGN=1
run_c notice_off         normal STYXY_NOTICE=off
run_c notice_stdout      normal STYXY_NOTICE=stdout
run_c notice_stderr      normal STYXY_NOTICE=stderr
run_c udp_default        normal
run_c udp_optin          normal STYXY_REASSIGN_UDP=1
run_c privileged_port    normal
run_c port_zero          normal
run_c socket_path        normal
test_exports

# Every C test in the binary must be listed above.
if [ -z "$ONLY" ]; then
    for t in $("$TEST_BIN" --list); do
        grep -q "^run_c $t " "$0" || { echo "test $t is never run"; failed=$((failed + 1)); }
    done
fi

if [ "$SERVERS" != 0 ]; then
    server_test python_http_server 127.0.0.1 "$PYTHON" -m http.server @BUSY@
    server_test node_http_server '[::1]' "$NODE" -e \
        'require("http").createServer((q, s) => s.end("hello\n")).listen(+process.argv[1], "::")' @BUSY@
    server_test java_http_server 127.0.0.1 "$JAVA" -Dsun.net.httpserver.nodelay=true \
        "$here/HttpHello.java" @BUSY@
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
