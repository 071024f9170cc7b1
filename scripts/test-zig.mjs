// `zig test` on every Zig file under native/, stopping at the first failure.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runZig } from "./zig.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const files = readdirSync(join(root, "native"), { recursive: true })
	.map(String)
	.filter((f) => f.endsWith(".zig"))
	.sort();
if (files.length === 0) {
	console.error("[test-zig] no Zig files found under native/");
	process.exit(1);
}
for (const file of files) {
	console.error(`[test-zig] zig test native/${file}`);
	const status = runZig(["test", join("native", file)], root);
	if (status !== 0) process.exit(status);
}
