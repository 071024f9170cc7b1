#!/usr/bin/env bash
# Start-up benchmark: exec to the first 200 response through the edge (a miss filled from
# the demo origin), for a compiled POP binary against `bun run node.ts` (the same entry),
# median of 20 interleaved starts each, a warm-up start each first. Prints both medians,
# the ratio and the target (POP binary under 100 ms). Progress on stderr, summary on stdout.
#
#   npm run bench:startup                      # or: bash scripts/bench-startup.sh
#   BENCH_POP=fra1 BENCH_STARTS=50 bash scripts/bench-startup.sh
#
# The binary is built fresh into a temp dir (dist/ is left alone). Binds 127.0.0.1 only.
# Exit status: 0 target met; 1 missed; 2 setup or a start failed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
POP="${BENCH_POP:-sin1}"
STARTS="${BENCH_STARTS:-20}"

log() { echo "[bench-startup] $*" >&2; }
if [[ -x "$ROOT/node_modules/.bin/bun" ]]; then
	BUN="$ROOT/node_modules/.bin/bun"
elif command -v bun >/dev/null; then
	BUN="$(command -v bun)"
else
	log "ERROR bun not found: run npm ci first"
	exit 2
fi

WORK="$(mktemp -d /tmp/bench-startup.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

log "building the $POP binary"
bash "$ROOT/scripts/build-pop.sh" "$POP" --out-dir "$WORK" || exit 2
log "measuring $STARTS starts of each"
status=0
"$BUN" "$ROOT/scripts/bench-startup/run.ts" --binary "$WORK/neuro-edge-$POP" --starts "$STARTS" || status=$?
exit "$status"
