/** `node.ts --version` outside a POP binary says so (a POP binary's is in test/binary/). */
import { expect, test } from "bun:test";
import packageJson from "../../package.json" with { type: "json" };
import { NODE_ENTRY, runToEnd } from "./node-process.ts";

test("a development run has no POP and no commit, and exits 0", async () => {
	const run = await runToEnd([process.execPath, NODE_ENTRY, "--version"]);
	expect(run.code).toBe(0);
	expect(run.stdout).toBe(
		`neurocache ${packageJson.version} pop=none commit=unknown (development run)\n`,
	);
	expect(run.stderr).toBe("");
});
