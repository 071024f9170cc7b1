/**
 * The edge from edge/runtime/wire.ts on Bun.serve, for the conformance test: the same
 * wiring and settings the other adapters use (node.ts, the Bun node, wires the FFI slab
 * and flags of its own and is tested elsewhere).
 *   NEURO_ORIGIN=... NEURO_PORT=0 bun test/runtime/bun-entry.ts
 */
import { parseSettings, SettingsError } from "../../edge/runtime/settings.ts";
import { listeningLine, wireEdge } from "../../edge/runtime/wire.ts";

let settings: ReturnType<typeof parseSettings>;
try {
	settings = parseSettings(process.env);
} catch (error) {
	if (!(error instanceof SettingsError)) throw error;
	console.error(`neurocache: ${error.message}`);
	process.exit(2);
}
const edge = wireEdge(settings);
const server = Bun.serve({ hostname: settings.host, port: settings.port, fetch: edge.app.fetch });
console.log(listeningLine("bun", `http://${settings.host}:${server.port}`, settings));

const shutdown = async () => {
	await server.stop(true);
	edge.close();
	process.exit(0);
};
process.once("SIGTERM", () => void shutdown());
process.once("SIGINT", () => void shutdown());
