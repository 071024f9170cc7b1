#!/usr/bin/env bash
# The control plane, hands on: starts three node.ts processes as one Raft cluster (free
# loopback ports, a temp data dir) whose API takes a bearer token (NEURO_ADMIN_TOKEN: yours if
# set, else a fresh one; the members and neuroctl read it), shows a write without it refused
# (401), runs neuroctl put / get / cas / status against it, kills
# the leader (SIGKILL), shows the new leader the others elect, restarts the killed member and
# shows it caught up, then stops everything it started. A trap does that on any exit (error,
# Ctrl-C, SIGTERM too), so nothing it started outlives it.
#
#   bash scripts/playground.sh        # progress on stderr, neuroctl's answers on stdout
#
# Exit status: 0 the tour ran; 1 a step failed (the members' logs are shown).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -x "$ROOT/node_modules/.bin/bun" ]]; then BUN="$ROOT/node_modules/.bin/bun"; else BUN="$(command -v bun)"; fi
WORK="$(mktemp -d "${TMPDIR:-/tmp}/neuro-playground.XXXXXX")"
declare -A PIDS=()
DEADLINE_S=15

say() { echo "[playground] $*" >&2; }

cleanup() {
	local status=$?
	trap - EXIT INT TERM
	for id in "${!PIDS[@]}"; do
		kill -TERM "${PIDS[$id]}" 2>/dev/null || true
	done
	for id in "${!PIDS[@]}"; do
		wait "${PIDS[$id]}" 2>/dev/null || true
	done
	if [[ $status -ne 0 ]]; then
		for log in "$WORK"/node-*.log; do
			[[ -f "$log" ]] && { say "--- $(basename "$log") (last 15 lines)"; tail -n 15 "$log" >&2; }
		done
	fi
	rm -rf "$WORK"
	say "stopped everything it started; removed $WORK"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

read -r -a PORTS <<<"$("$BUN" -e 'import { freeLoopbackPorts } from "'"$ROOT"'/scripts/lib/free-ports.ts"; console.log(freeLoopbackPorts(6).join(" "))')"
declare -A API=()
{
	echo "dataDir: $WORK/data"
	echo "nodes:"
	for id in 1 2 3; do
		raft="${PORTS[$(((id - 1) * 2))]}"
		api="${PORTS[$(((id - 1) * 2 + 1))]}"
		echo "  $id: { raft: \"127.0.0.1:$raft\", api: \"127.0.0.1:$api\" }"
		API[$id]="http://127.0.0.1:$api"
	done
} >"$WORK/nodes.yaml"
ENDPOINTS="${API[1]},${API[2]},${API[3]}"
say "work dir $WORK (cluster file nodes.yaml, data/)"
# One token for the members' API and neuroctl, both of which read it from the environment.
if [[ -z "${NEURO_ADMIN_TOKEN:-}" ]]; then
	NEURO_ADMIN_TOKEN="$("$BUN" -e 'console.log(crypto.randomUUID())')"
	say "API token: a fresh one in NEURO_ADMIN_TOKEN, for the members and neuroctl alike"
fi
export NEURO_ADMIN_TOKEN

start_member() {
	local id=$1
	"$BUN" "$ROOT/node.ts" --port 0 --memory-mb 16 --id "$id" --config "$WORK/nodes.yaml" \
		>>"$WORK/node-$id.log" 2>&1 &
	PIDS[$id]=$!
	say "started member $id (pid ${PIDS[$id]}), API ${API[$id]}"
}

ctl() {
	say "\$ neuroctl $*"
	"$BUN" "$ROOT/cluster/ctl.ts" --endpoints "$ENDPOINTS" --timeout-ms 10000 "$@"
}

# A field of a member's /v1/status or /metrics.json, or nothing if it does not answer.
field() {
	curl -sf --max-time 1 "$1" | grep -o "\"$2\":[0-9a-z\"-]*" | head -n1 | cut -d: -f2 | tr -d '"' || true
}

# Polls (every 0.1 s) until "$@" succeeds, or fails the run after DEADLINE_S.
wait_for() {
	local what=$1
	shift
	local deadline=$((SECONDS + DEADLINE_S))
	until "$@"; do
		if ((SECONDS >= deadline)); then
			say "ERROR no $what within ${DEADLINE_S} s"
			return 1
		fi
		sleep 0.1
	done
}

LEADER=""
TERM_SEEN=0
# Sets LEADER and TERM_SEEN from the first member that says it leads in a term above $1.
find_leader() {
	local above=$1 id
	for id in "${!PIDS[@]}"; do
		if [[ "$(field "${API[$id]}/v1/status" role)" == "leader" ]]; then
			local term
			term="$(field "${API[$id]}/v1/status" term)"
			if ((term > above)); then
				LEADER=$id
				TERM_SEEN=$term
				return 0
			fi
		fi
	done
	return 1
}

caught_up() {
	local id=$1 commit applied
	commit="$(field "${API[$LEADER]}/metrics.json" commit)"
	applied="$(field "${API[$id]}/metrics.json" applied)"
	[[ -n "$commit" && -n "$applied" ]] && ((applied >= commit))
}

for id in 1 2 3; do start_member "$id"; done
wait_for "leader" find_leader 0
say "member $LEADER leads (term $TERM_SEEN)"

ctl put greeting hello
say "\$ curl -X PUT ${API[$LEADER]}/v1/kv/greeting   # no token"
refused="$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' -X PUT -d '{"value":"pwned"}' "${API[$LEADER]}/v1/kv/greeting")"
if [[ "$refused" != "401" ]]; then
	say "ERROR a write without the token answered HTTP $refused, not 401"
	exit 1
fi
echo "HTTP 401: refused without the token"
ctl get greeting
ctl cas greeting hello bonjour
ctl cas greeting hello hola || say "(exit $?: compare failed, as it should: greeting holds bonjour)"
ctl get greeting
ctl status

OLD=$LEADER
say "killing the leader, member $OLD (SIGKILL)"
kill -KILL "${PIDS[$OLD]}"
wait "${PIDS[$OLD]}" 2>/dev/null || true
unset "PIDS[$OLD]"
KILLED_AT=$SECONDS
wait_for "new leader" find_leader "$TERM_SEEN"
say "member $LEADER leads now (term $TERM_SEEN), about $((SECONDS - KILLED_AT)) s after the kill"
ctl put after-failover yes
ctl get greeting

say "restarting member $OLD on its own log"
start_member "$OLD"
wait_for "catch-up of member $OLD" caught_up "$OLD"
say "member $OLD caught up: applied $(field "${API[$OLD]}/metrics.json" applied), leader's commit $(field "${API[$LEADER]}/metrics.json" commit)"
say "\$ curl ${API[$OLD]}/health"
curl -s "${API[$OLD]}/health"
echo
say "done"
