// The conformance subset on Bun: test/runtime/bun-entry.ts (wire.ts on Bun.serve) as a child process.
import { describeConformance } from "./conformance.ts";
import { edgeEnv, startEdgeProcess } from "./edge-process.ts";

describeConformance("Bun", (settings) =>
	startEdgeProcess(
		"Bun",
		[process.execPath, new URL("./bun-entry.ts", import.meta.url).pathname],
		edgeEnv("bun", settings),
	),
);
