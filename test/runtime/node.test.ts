// The conformance subset on Node: edge/runtime/node.ts bundled for Node (Node 20 runs no
// TypeScript) and run by the `node` on PATH, as a deployment would.

import { bundle } from "./bundle.ts";
import { describeConformance } from "./conformance.ts";
import { edgeEnv, startEdgeProcess } from "./edge-process.ts";

describeConformance("Node", async (settings) => {
	const node = Bun.which("node");
	if (node === null)
		throw new Error("Node is not on PATH: the Node runtime test needs Node >= 20 installed");
	const built = await bundle("../../edge/runtime/node.ts", "node");
	try {
		const edge = await startEdgeProcess("Node", [node, built.file], edgeEnv("node", settings));
		return { url: edge.url, stop: () => edge.stop().finally(built.remove) };
	} catch (error) {
		built.remove();
		throw error;
	}
});
