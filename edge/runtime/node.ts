/**
 * Node entry: the edge from wire.ts served through @hono/node-server.
 *   NEURO_ORIGIN=http://127.0.0.1:9000 [NEURO_PORT=8080 NEURO_HOST NEURO_MEMORY_MB
 *   NEURO_ADMIN_TOKEN NEURO_POP] node dist/node.js
 * Node 20 cannot run TypeScript, so this file is bundled first:
 *   bun build edge/runtime/node.ts --target=node --outfile=dist/node.js
 * Nothing here but reading the environment, listening and shutting down.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { formatHostPort } from "../http/host-port.ts";
import { nodeHttpFetch } from "./node-http-fetch.ts";
import { parseSettings, SettingsError } from "./settings.ts";
import { keepUntyped } from "./untyped-for-node.ts";
import { listeningLine, wireEdge } from "./wire.ts";

function main(): void {
	let settings: ReturnType<typeof parseSettings>;
	try {
		settings = parseSettings(process.env);
	} catch (error) {
		if (!(error instanceof SettingsError)) throw error;
		console.error(`neurocache: ${error.message}`);
		process.exit(2);
	}
	// The socket's peer, from the Hono context the node server fills (c.env.incoming).
	const edge = wireEdge(settings, {
		clientAddress: (_request, c) => (c === undefined ? undefined : getConnInfo(c).remote.address),
		// Node's fetch decodes gzip and br and sends its own Host (node-http-fetch.ts).
		fetchOrigin: nodeHttpFetch,
	});
	const fetch = async (request: Request, env: unknown) =>
		keepUntyped(await edge.app.fetch(request, env));
	const server = serve(
		{ fetch, hostname: settings.host, port: settings.port },
		(info: AddressInfo) => {
			console.log(
				listeningLine("node", `http://${formatHostPort(settings.host, info.port)}`, settings),
			);
		},
	);
	const shutdown = () => {
		server.close(() => {
			edge.close();
			process.exit(0);
		});
		// Keep-alive connections would hold close() open: end them, the edge keeps no state.
		(server as { closeAllConnections?: () => void }).closeAllConnections?.();
	};
	process.once("SIGTERM", shutdown);
	process.once("SIGINT", shutdown);
}

main();
