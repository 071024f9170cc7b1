// The conformance subset on Deno: edge/runtime/deno.ts bundled into one file and run by
// the Deno binary of the pinned `deno` npm package (no download, no npm: specifiers).
import { createRequire } from "node:module";
import { bundle } from "./bundle.ts";
import { describeConformance } from "./conformance.ts";
import { edgeEnv, startEdgeProcess } from "./edge-process.ts";

/** The deno package's own lookup of its platform binary (its bin.cjs wrapper would not pass SIGTERM on). */
function denoBinary(): string {
	try {
		const install: { runInstall(): string } = createRequire(import.meta.url)(
			"deno/install_api.cjs",
		);
		return install.runInstall();
	} catch (cause) {
		throw new Error("Deno is missing: the deno npm package did not install; run `npm ci`", {
			cause,
		});
	}
}

describeConformance("Deno", async (settings) => {
	const deno = denoBinary();
	const built = await bundle("../../edge/runtime/deno.ts", "browser");
	try {
		const edge = await startEdgeProcess(
			"Deno",
			[deno, "run", "--allow-net", "--allow-env", "--no-prompt", built.file],
			// No update check: the machine may reach nothing but the package registry.
			{ ...edgeEnv("deno", settings), DENO_NO_UPDATE_CHECK: "1" },
		);
		return { url: edge.url, stop: () => edge.stop().finally(built.remove) };
	} catch (error) {
		built.remove();
		throw error;
	}
});
