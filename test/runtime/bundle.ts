/**
 * Bundles a runtime adapter into one JavaScript file in a fresh temp directory, as its
 * runtime will load it: Node 20 cannot run TypeScript, and a bundle spares Deno and workerd
 * npm: specifiers and a node_modules of their own. Bun's bundler, so no extra dependency.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Bundle {
	readonly file: string;
	remove(): void;
}

/**
 * `external` names imports left to the runtime: Deno's node: modules, which the browser
 * target would otherwise replace with shims.
 */
export async function bundle(
	entry: string,
	target: "node" | "browser",
	external: string[] = [],
): Promise<Bundle> {
	const dir = mkdtempSync(join(tmpdir(), "neuro-runtime-"));
	const built = await Bun.build({
		entrypoints: [new URL(entry, import.meta.url).pathname],
		outdir: dir,
		target,
		format: "esm",
		naming: "edge.js",
		external,
	});
	if (!built.success) {
		rmSync(dir, { recursive: true, force: true });
		throw new Error(`bundling ${entry} failed:\n${built.logs.map(String).join("\n")}`);
	}
	return {
		file: join(dir, "edge.js"),
		remove: () => rmSync(dir, { recursive: true, force: true }),
	};
}
