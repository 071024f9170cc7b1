#!/usr/bin/env bash
# Gossip and CRDT counter benchmark on real node.ts processes (5 and 20 nodes on loopback):
# HTTP increments/s on one node against a bare Bun.serve, increment propagation p50/p99, and
# gossip bytes/s per node idle and under 10,000 increments/s. Methodology in
# scripts/bench-gossip/main.ts. Installs wrk (and tcpdump, used only while the nodes lack
# GET /v1/gossip/stats) from Debian when missing.
#
# Every process the benchmark starts is recorded with its start time in a pid file; on any
# exit of this script (normal, error, Ctrl-C, SIGTERM) the trap stops the benchmark and then
# each recorded process still running, by pid.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if ! command -v wrk >/dev/null; then
	echo "[bench-gossip] installing wrk from Debian" >&2
	apt-get update >&2 && apt-get install -y wrk >&2
fi
if ! command -v tcpdump >/dev/null; then
	echo "[bench-gossip] installing tcpdump from Debian (bytes fallback)" >&2
	apt-get install -y tcpdump >&2 || echo "[bench-gossip] no tcpdump: bytes only from the stats route" >&2
fi
if [[ -x "$ROOT/node_modules/.bin/bun" ]]; then BUN="$ROOT/node_modules/.bin/bun"; else BUN="$(command -v bun)"; fi

PIDFILE="$(mktemp -t bench-gossip-pids.XXXXXX)"
export BENCH_GOSSIP_PIDFILE="$PIDFILE"
main_pid=""

# The start time (field 22 of /proc/PID/stat) of a running pid, empty if it is gone.
started_at() {
	local stat rest
	stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
	rest="${stat##*) }"
	read -ra fields <<<"$rest"
	echo "${fields[19]}"
}

cleanup() {
	local code=$? pid start waited
	trap - EXIT INT TERM
	if [[ -n "$main_pid" ]] && kill -0 "$main_pid" 2>/dev/null; then
		kill -TERM "$main_pid" 2>/dev/null || true
		for waited in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$main_pid" 2>/dev/null || break
			sleep 0.5
		done
		kill -KILL "$main_pid" 2>/dev/null || true
	fi
	for signal in TERM KILL; do
		while read -r pid start; do
			[[ -n "$pid" && "$(started_at "$pid")" == "$start" ]] && kill "-$signal" "$pid" 2>/dev/null || true
		done <"$PIDFILE"
		[[ "$signal" == TERM ]] && sleep 1
	done
	rm -f "$PIDFILE"
	exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$BUN" "$ROOT/scripts/bench-gossip/main.ts" "$@" &
main_pid=$!
set +e
wait "$main_pid"
code=$?
set -e
exit "$code"
