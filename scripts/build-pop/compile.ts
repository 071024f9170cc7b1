/**
 * Compiles node.ts into one executable for a POP with `bun build --compile` (Bun.build):
 * Bun's runtime, the bundled code, native/libslab.so (embedded by its `type: "file"`
 * import) and the POP config with version and commit (a `define`, read by
 * cluster/node/build-info.ts).
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { BuildInfo } from "../../cluster/node/build-info.ts";

export class BuildError extends Error {
	override name = "BuildError";
}

export async function compilePop(root: string, build: BuildInfo, outfile: string): Promise<number> {
	if (!existsSync(join(root, "native", "libslab.so"))) {
		throw new BuildError("native/libslab.so is missing: run `npm run build:native` first");
	}
	const result = await Bun.build({
		entrypoints: [join(root, "node.ts")],
		target: "bun",
		format: "esm",
		minify: true,
		// Parsing moves to build time: less work between exec and the first request.
		bytecode: true,
		define: { NEURO_BUILD: JSON.stringify(JSON.stringify(build)) },
		compile: {
			outfile,
			// A POP binary is configured by what it baked in, its flags and its env only: a
			// .env or bunfig.toml in whatever directory it starts from must not change it.
			autoloadDotenv: false,
			autoloadBunfig: false,
			autoloadTsconfig: false,
			autoloadPackageJson: false,
		},
		throw: false,
	});
	if (!result.success) {
		const messages = result.logs.map((log) => String(log.message ?? log)).join("\n");
		throw new BuildError(`bun build failed for ${build.pop.name}:\n${messages}`);
	}
	return statSync(outfile).size;
}
