/**
 * The edge from edge/runtime/wire.ts on the Bun adapter (edge/runtime/bun.ts), for the
 * conformance test: the same
 * wiring and settings the other adapters use (node.ts, the Bun node, wires the FFI slab
 * and flags of its own and is tested elsewhere).
 *   NEURO_ORIGIN=... NEURO_PORT=0 bun test/runtime/bun-entry.ts
 */
import { type BunServer, drainOnSignals, serveBun } from "../../edge/runtime/bun.ts";
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
// Asked only for requests that go to the origin, by which time the server listens.
let listening: BunServer | undefined;
const edge = wireEdge(settings, { clientAddress: (request) => listening?.clientAddress(request) });
// Served through the Bun adapter itself (reusePort, drain on SIGTERM), as node.ts is.
const server = serveBun(edge.app.fetch, { hostname: settings.host, port: settings.port });
listening = server;
console.log(listeningLine("bun", `http://${settings.host}:${server.port}`, settings));
drainOnSignals({
	server,
	drainMs: 5_000,
	afterDrain: () => edge.close(),
	log: (line) => console.error(line),
});
