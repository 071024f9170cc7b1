#!/usr/bin/env bash
# Builds single-file POP binaries with `bun build --compile`: dist/neuro-edge-POP from
# pops/POP.yaml, with native/libslab.so, the POP config, the version and the git commit
# baked in. The binary runs from any directory, needs no node_modules, and takes the same
# flags as node.ts (flags and env override the baked config). Progress goes to stderr.
#
#   scripts/build-pop.sh fra1          # -> dist/neuro-edge-fra1
#   scripts/build-pop.sh --all         # every pops/*.yaml, a progress line per POP
#   dist/neuro-edge-fra1 --version
#
# Exit status: 0 built; 2 bad arguments or a bad POP file (named, nothing built); 1 the
# compile failed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -x "$ROOT/node_modules/.bin/bun" ]]; then
	BUN="$ROOT/node_modules/.bin/bun"
elif command -v bun >/dev/null; then
	BUN="$(command -v bun)"
else
	echo "ERROR bun not found: run npm ci first" >&2
	exit 2
fi
exec "$BUN" "$ROOT/scripts/build-pop.ts" "$@"
