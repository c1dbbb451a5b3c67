#!/usr/bin/env bash
# Starts a fake daemon in a temporary directory and runs the benchmark against it, and
# against the real daemon too when STYXY_SOCKET names one (it must answer PING).
#   OUT                 build directory (required; the Makefile sets it)
#   STYXY_SOCKET        a real daemon's socket, optional
#   STYXY_BENCH_PORT    the busy port asked of the real daemon (default 8000)
#   STYXY_BENCH_REAL_N  reassignments asked of the real daemon per round (default 50; each one
#                       is a lease held by that round's child process until it exits)
#   STYXY_BENCH_REAL_ROUNDS  counted rounds against the real daemon (default 10)
#   STYXY_BENCH_REAL_WARMUP  uncounted rounds before them (default 10: the daemon's JIT compiles
#                       the conflict path over the first few hundred conflicts; their figures
#                       are printed on a line of their own)
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT:?OUT must name the build directory}"
real=${STYXY_SOCKET:-}
unset LD_PRELOAD STYXY_SOCKET STYXY_HOME STYXY_NOTICE STYXY_DISABLE_REASSIGN STYXY_REASSIGN_UDP

dir=$(mktemp -d "${TMPDIR:-/tmp}/styxy-bench.XXXXXX")
daemon=
cleanup() {
    [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$(python3 -c "import sys; print(sys.executable)")" "$here/../tests/fake_daemon.py" --socket "$dir/styxy.sock" --log /dev/null \
    --ready "$dir/ready" &
daemon=$!
for _ in $(seq 1 500); do
    [ -e "$dir/ready" ] && break
    sleep 0.01
done

echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $(uname -sr), $(ldd --version | head -1)"
"$OUT/bench/bench" "$OUT/libstyxy-interpose.so" "$dir/styxy.sock" ${real:+"$real"}
