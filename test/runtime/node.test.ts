// The conformance subset on Node: edge/runtime/node.ts bundled for Node (Node 20 runs no
// TypeScript) and run by the `node` on PATH, as a deployment would.
import { expect, test } from "bun:test";
import { bundle } from "./bundle.ts";
import { describeConformance, type StartSettings } from "./conformance.ts";
import { edgeEnv, runToExit, startEdgeProcess } from "./edge-process.ts";

function nodeBinary(): string {
	const node = Bun.which("node");
	if (node === null)
		throw new Error("Node is not on PATH: the Node runtime test needs Node >= 20 installed");
	return node;
}

describeConformance("Node", async (settings) => {
	const node = nodeBinary();
	const built = await bundle("../../edge/runtime/node.ts", "node");
	try {
		const edge = await startEdgeProcess("Node", [node, built.file], edgeEnv("node", settings));
		return { url: edge.url, stop: () => edge.stop().finally(built.remove) };
	} catch (error) {
		built.remove();
		throw error;
	}
});

test("on Node, a bad setting stops the edge with the variable named (exit 2)", async () => {
	const built = await bundle("../../edge/runtime/node.ts", "node");
	try {
		const settings: StartSettings = { origin: "ftp://origin.test", adminToken: "x" };
		const { code, stderr } = await runToExit([nodeBinary(), built.file], edgeEnv("node", settings));
		expect(code).toBe(2);
		expect(stderr).toContain("NEURO_ORIGIN: must be an http or https URL");
	} finally {
		built.remove();
	}
}, 30_000);
