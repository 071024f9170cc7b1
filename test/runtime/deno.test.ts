// The conformance subset on Deno: edge/runtime/deno.ts bundled into one file and run by
// the Deno binary of the pinned `deno` npm package (no download, no npm: specifiers).
import { expect, test } from "bun:test";
import { createRequire } from "node:module";
import { bundle } from "./bundle.ts";
import { describeConformance, type StartSettings } from "./conformance.ts";
import { edgeEnv, runToExit, startEdgeProcess } from "./edge-process.ts";

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

const DENO_ENTRY = "../../edge/runtime/deno.ts";

const denoRun = (deno: string, file: string) => [
	deno,
	"run",
	"--allow-net",
	"--allow-env",
	"--no-prompt",
	file,
];
// No update check: the machine may reach nothing but the package registry.
const denoEnv = (settings: StartSettings) => ({
	...edgeEnv("deno", settings),
	DENO_NO_UPDATE_CHECK: "1",
});

describeConformance("Deno", async (settings) => {
	const deno = denoBinary();
	const built = await bundle(DENO_ENTRY, "browser", ["node:*"]);
	try {
		const edge = await startEdgeProcess("Deno", denoRun(deno, built.file), denoEnv(settings));
		return { url: edge.url, stop: () => edge.stop().finally(built.remove) };
	} catch (error) {
		built.remove();
		throw error;
	}
});

test("on Deno, a bad setting stops the edge with the variable named (exit 2)", async () => {
	const built = await bundle(DENO_ENTRY, "browser", ["node:*"]);
	try {
		const settings: StartSettings = { origin: "ftp://origin.test", adminToken: "x" };
		const { code, stderr } = await runToExit(denoRun(denoBinary(), built.file), denoEnv(settings));
		expect(code).toBe(2);
		expect(stderr).toContain("NEURO_ORIGIN: must be an http or https URL");
	} finally {
		built.remove();
	}
}, 30_000);
