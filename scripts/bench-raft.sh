#!/usr/bin/env bash
# Raft KV benchmark: our 3-node cluster against a 3-member etcd cluster, both on loopback
# with fsync on. Installs etcd from Debian when missing. See scripts/bench-raft/main.ts.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if ! command -v etcd >/dev/null; then
	echo "[bench-raft] installing etcd-server from Debian" >&2
	apt-get update >&2 && apt-get install -y etcd-server >&2
fi
if [[ -x "$ROOT/node_modules/.bin/bun" ]]; then BUN="$ROOT/node_modules/.bin/bun"; else BUN="$(command -v bun)"; fi
exec "$BUN" "$ROOT/scripts/bench-raft/main.ts" "$@"
