// Builds native/libslab.so (Zig, ReleaseFast). Runs from `npm ci` (the `prepare` script),
// so nobody needs a separate build step.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runZig } from "./zig.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
console.error("[build-native] zig build-lib native/slab.zig -> native/libslab.so");
const status = runZig(
	["build-lib", "-dynamic", "-OReleaseFast", "native/slab.zig", "-femit-bin=native/libslab.so"],
	root,
);
if (status !== 0) {
	console.error("[build-native] failed");
	process.exit(status);
}
