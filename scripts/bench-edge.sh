#!/usr/bin/env bash
# Cache-hit benchmark of our edge against nginx proxy_cache and a bare Hono ceiling.
#
# Starts the demo origin, our edge (node.ts), nginx with proxy_cache, a bare Hono app
# answering from a Map, and Bun.serve's static routes (the runtime's own limit, as context),
# all on 127.0.0.1; warms them; runs wrk (-t2 -c64 --latency) for a cached 1 KiB and a
# cached 64 KiB object in three interleaved rounds; checks through the origin's request
# counter that every measured request was a hit; reads each server's CPU time (its process
# tree's utime + stime) around each run, so the summary says where the time goes per
# request; prints medians, ratios and targets. Progress goes to stderr, the summary to
# stdout.
#
#   npm run bench:edge            # or: bash scripts/bench-edge.sh
#   BENCH_DURATION=3s bash scripts/bench-edge.sh   # quicker, less stable figures
#   BENCH_KEEP=1 ...              # keep the temp dir (nginx.conf, logs, wrk outputs)
#
# Exit status: 0 every target met; 1 a target missed or ours not available; 2 setup failed
# or the runs were not all hits.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HELPERS="$ROOT/scripts/bench-edge"
DURATION="${BENCH_DURATION:-10s}"
ROUNDS=3
SIZES=(1024 65536)
# Bounds every wrk run, so a stalled server cannot hang the benchmark.
WRK_TIMEOUT_S=60

log() { echo "[bench-edge] $*" >&2; }
die() {
	log "ERROR: $*"
	exit 2
}

# --- tools ----------------------------------------------------------------------------
if [[ -x "$ROOT/node_modules/.bin/bun" ]]; then
	BUN="$ROOT/node_modules/.bin/bun"
elif command -v bun >/dev/null; then
	BUN="$(command -v bun)"
else
	die "bun not found: run npm ci first"
fi

missing=()
for tool in nginx wrk curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if ((${#missing[@]} > 0)); then
	log "installing from Debian: ${missing[*]}"
	apt-get update >&2
	apt-get install -y nginx wrk curl >&2
fi

# --- temp dir and cleanup -------------------------------------------------------------
WORK="$(mktemp -d /tmp/bench-edge.XXXXXX)"
# nginx workers drop to an unprivileged user and must reach the cache under this dir.
chmod 755 "$WORK"
mkdir -p "$WORK/results"
PIDS=()

cleanup() {
	local status=$?
	trap - EXIT INT TERM
	for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	# Give each server a moment to exit (nginx's master stops its workers), then insist.
	for _ in $(seq 50); do
		local alive=0
		for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
		((alive)) || break
		sleep 0.1
	done
	for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
	if [[ "${BENCH_KEEP:-}" == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
	exit "$status"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

# --- helpers --------------------------------------------------------------------------
# wait_http URL PID SECONDS: 0 once URL answers 200, 1 if PID exits or time runs out.
wait_http() {
	local url=$1 pid=$2 deadline=$((SECONDS + $3))
	while ((SECONDS < deadline)); do
		kill -0 "$pid" 2>/dev/null || return 1
		curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

origin_total() {
	local json
	json="$(curl -fsS --max-time 5 "http://127.0.0.1:$ORIGIN_PORT/_origin/stats")" ||
		die "origin stats unreachable"
	[[ "$json" =~ \"total\":([0-9]+) ]] || die "unexpected origin stats: $json"
	echo "${BASH_REMATCH[1]}"
}

# header_of URL NAME: the value of one response header of a GET (body discarded).
header_of() {
	curl -fsS --max-time 5 -o /dev/null -D - "$1" | tr -d '\r' |
		awk -v name="$(echo "$2" | tr '[:upper:]' '[:lower:]')" -F': ' \
			'tolower($1) == name { print $2 }'
}

run_wrk() { timeout "$WRK_TIMEOUT_S" wrk -t2 -c64 -d"$1" --latency "$2"; }

# tree_pids PID: PID and every descendant (nginx's workers are its master's children).
tree_pids() {
	echo "$1"
	local child
	for child in $(pgrep -P "$1" || true); do tree_pids "$child"; done
}

# cpu_ticks PID: user + system CPU of PID's process tree so far, in clock ticks. The fields
# after "pid (comm) " start at stat's third, so utime and stime are the 12th and 13th.
cpu_ticks() {
	local total=0 pid fields
	for pid in $(tree_pids "$1"); do
		read -r -a fields < <(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
		total=$((total + fields[11] + fields[12]))
	done
	echo "$total"
}
CLOCK_TICKS_PER_S="$(getconf CLK_TCK)"

mapfile -t PORTS < <("$BUN" run "$HELPERS/free-ports.ts" 5)
((${#PORTS[@]} == 5)) || die "could not pick free ports"
ORIGIN_PORT=${PORTS[0]} OURS_PORT=${PORTS[1]} NGINX_PORT=${PORTS[2]} CEILING_PORT=${PORTS[3]}
LIMIT_PORT=${PORTS[4]}
declare -A BASE=(
	[ours]="http://127.0.0.1:$OURS_PORT"
	[nginx]="http://127.0.0.1:$NGINX_PORT"
	[ceiling]="http://127.0.0.1:$CEILING_PORT"
	[bun-static]="http://127.0.0.1:$LIMIT_PORT"
)
# Each server's process, whose tree's CPU time is read around each run.
declare -A SERVER_PID=()

# --- servers --------------------------------------------------------------------------
log "origin on :$ORIGIN_PORT"
"$BUN" run "$HELPERS/origin.ts" --port "$ORIGIN_PORT" 2>"$WORK/origin.log" &
PIDS+=($!)
wait_http "http://127.0.0.1:$ORIGIN_PORT/_origin/stats" "$!" 10 ||
	die "origin did not come up: $(head -c 500 "$WORK/origin.log")"

log "ceiling (bare Hono + Map) on :$CEILING_PORT"
"$BUN" run "$HELPERS/ceiling.ts" --port "$CEILING_PORT" 2>"$WORK/ceiling.log" &
PIDS+=($!)
SERVER_PID[ceiling]=$!
wait_http "${BASE[ceiling]}/_ceiling/health" "$!" 10 ||
	die "ceiling did not come up: $(head -c 500 "$WORK/ceiling.log")"

log "runtime limit (Bun.serve static routes) on :$LIMIT_PORT"
"$BUN" run "$HELPERS/runtime-limit.ts" --port "$LIMIT_PORT" 2>"$WORK/runtime-limit.log" &
PIDS+=($!)
SERVER_PID[bun-static]=$!
wait_http "${BASE[bun-static]}/_runtime-limit/health" "$!" 10 ||
	die "runtime limit did not come up: $(head -c 500 "$WORK/runtime-limit.log")"

log "nginx proxy_cache on :$NGINX_PORT (config $WORK/nginx.conf)"
bash "$HELPERS/nginx-conf.sh" "$WORK" "$NGINX_PORT" "$ORIGIN_PORT" >"$WORK/nginx.conf"
nginx -t -q -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/error.log" -g 'daemon off;' 2>&1 |
	sed 's/^/[nginx -t] /' >&2
nginx -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/error.log" -g 'daemon off;' &
PIDS+=($!)
SERVER_PID[nginx]=$!
wait_http "${BASE[nginx]}/_origin/stats" "$!" 10 ||
	die "nginx did not come up: $(tail -c 500 "$WORK/error.log" 2>/dev/null)"

OURS_UNAVAILABLE=""
log "ours (node.ts) on :$OURS_PORT"
(cd "$ROOT" && exec "$BUN" run node.ts --host 127.0.0.1 --port "$OURS_PORT" \
	--origin "http://127.0.0.1:$ORIGIN_PORT") >"$WORK/ours.log" 2>&1 &
OURS_PID=$!
PIDS+=("$OURS_PID")
SERVER_PID[ours]=$OURS_PID
if ! wait_http "${BASE[ours]}/_neuro/health" "$OURS_PID" 10; then
	if kill -0 "$OURS_PID" 2>/dev/null; then
		OURS_UNAVAILABLE="GET /_neuro/health did not answer 200 within 10 s"
		kill -TERM "$OURS_PID" 2>/dev/null || true
	else
		status=0
		wait "$OURS_PID" || status=$?
		first_line="$(grep -m1 . "$WORK/ours.log" || true)"
		OURS_UNAVAILABLE="node.ts exited with status $status: ${first_line:-no output}"
	fi
	log "ours: not available ($OURS_UNAVAILABLE); measuring nginx and the ceiling only"
fi

# Measured whether ours is there or not; ours goes first when it is.
BASELINES=(nginx ceiling bun-static)
CONTENDERS=("${BASELINES[@]}")
[[ -z "$OURS_UNAVAILABLE" ]] && CONTENDERS=(ours "${BASELINES[@]}")

# --- warm-up and hit checks -----------------------------------------------------------
for size in "${SIZES[@]}"; do
	for who in "${CONTENDERS[@]}"; do
		url="${BASE[$who]}/bytes/$size"
		# The first request fills the cache; the rest must be hits.
		for _ in 1 2 3; do curl -fsS --max-time 5 -o /dev/null "$url" || die "GET $url failed"; done
		case "$who" in
		ours)
			status_header="$(header_of "$url" cache-status)"
			if [[ "${status_header,,}" != *hit* ]]; then
				OURS_UNAVAILABLE="after warm-up $url answered Cache-Status: '${status_header}', not a hit"
				log "ours: not available ($OURS_UNAVAILABLE)"
				# Stop it now so it does not take CPU from the servers being measured.
				kill -TERM "$OURS_PID" 2>/dev/null || true
				CONTENDERS=("${BASELINES[@]}")
				continue
			fi
			;;
		nginx)
			cache_status="$(header_of "$url" x-cache-status)"
			[[ "$cache_status" == HIT ]] || die "nginx answered X-Cache-Status '$cache_status' for $url after warm-up"
			;;
		esac
		# Ours and the ceiling should send heads of the same size (ceiling.ts); nginx adds its own.
		head_bytes="$(curl -fsS --max-time 5 -o /dev/null -w '%{size_header}' "$url")"
		log "response head $who $size B: $head_bytes bytes"
		log "warm-up $who $size B (wrk 3s, not measured)"
		run_wrk 3s "$url" >/dev/null || die "warm-up wrk against $url failed"
	done
done

# --- measurement ----------------------------------------------------------------------
log "measuring: ${#CONTENDERS[@]} servers x ${#SIZES[@]} objects x $ROUNDS rounds x $DURATION"
for round in $(seq "$ROUNDS"); do
	for size in "${SIZES[@]}"; do
		# Rotate who goes first each round, so no server always runs on a cooler machine.
		count=${#CONTENDERS[@]}
		for ((i = 0; i < count; i++)); do
			who="${CONTENDERS[$(((i + round - 1) % count))]}"
			out="$WORK/results/$who-$size-r$round"
			log "round $round/$ROUNDS: $who $size B"
			before="$(origin_total)"
			cpu_before="$(cpu_ticks "${SERVER_PID[$who]}")"
			run_wrk "$DURATION" "${BASE[$who]}/bytes/$size" >"$out.wrk" 2>&1 ||
				die "wrk against $who failed: $(head -c 500 "$out.wrk")"
			cpu_after="$(cpu_ticks "${SERVER_PID[$who]}")"
			after="$(origin_total)"
			echo $((after - before)) >"$out.origin-delta"
			echo "$((cpu_after - cpu_before)) $CLOCK_TICKS_PER_S" >"$out.cpu"
		done
	done
done

summary=(--results "$WORK/results" --rounds "$ROUNDS")
[[ -n "$OURS_UNAVAILABLE" ]] && summary+=(--ours-unavailable "$OURS_UNAVAILABLE")
log "wrk -t2 -c64 -d$DURATION --latency on $(nproc) CPUs, nginx $(nginx -v 2>&1 | cut -d/ -f2), bun $("$BUN" --version)"
status=0
"$BUN" run "$HELPERS/summarize.ts" "${summary[@]}" || status=$?
exit "$status"
