#!/usr/bin/env bash
# Rolls new POP binaries out across pops/inventory.yaml: canary first, then waves; each host
# swaps by rename and restarts with SO_REUSEPORT overlap, and a host that fails its health
# check or reports the wrong build is rolled back. See scripts/rollout/main.ts for flags.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -x "$ROOT/node_modules/.bin/bun" ]]; then BUN="$ROOT/node_modules/.bin/bun"; else BUN="$(command -v bun)"; fi
exec "$BUN" "$ROOT/scripts/rollout/main.ts" "$@"
