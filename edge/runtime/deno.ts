/**
 * Deno entry: the edge from wire.ts served with Deno.serve.
 *   NEURO_ORIGIN=http://127.0.0.1:9000 deno run --allow-net --allow-env dist/deno.js
 * Bundled first (bun build edge/runtime/deno.ts --target=browser --external 'node:*'), so
 * Deno needs neither npm: specifiers nor a node_modules of its own; node: modules stay imports
 * (Deno has them; the browser target would otherwise bundle shims for them). Nothing here but reading the environment,
 * listening and shutting down.
 */

import { formatHostPort } from "../http/host-port.ts";
import { framedForDeno } from "./head-framing.ts";
import { nodeHttpFetch } from "./node-http-fetch.ts";
import { type EdgeSettings, parseSettings, SettingsError } from "./settings.ts";
import { listeningLine, wireEdge } from "./wire.ts";

/**
 * The part of the Deno namespace used here, declared in this module only (not as a global,
 * and not through @types): the rest of the project cannot reach for it by mistake.
 */
interface DenoApi {
	readonly env: { toObject(): Record<string, string> };
	serve(
		options: {
			hostname: string;
			port: number;
			onListen(address: { hostname: string; port: number }): void;
		},
		handler: (request: Request, info: DenoServeInfo) => Response | Promise<Response>,
	): { shutdown(): Promise<void> };
	addSignalListener(signal: "SIGTERM" | "SIGINT", handler: () => void): void;
	exit(code: number): never;
}

declare const Deno: DenoApi;

/** What Deno.serve tells a handler about the connection (the part used here). */
interface DenoServeInfo {
	readonly remoteAddr: { readonly hostname: string };
}

/** The Hono context's env as this adapter passes it to app.fetch. */
function remoteHostname(env: unknown): string | undefined {
	const info = env as Partial<DenoServeInfo> | undefined;
	return info?.remoteAddr?.hostname;
}

function main(): void {
	let settings: EdgeSettings;
	try {
		settings = parseSettings(Deno.env.toObject());
	} catch (error) {
		if (!(error instanceof SettingsError)) throw error;
		console.error(`neurocache: ${error.message}`);
		Deno.exit(2);
	}
	const edge = wireEdge(settings, {
		clientAddress: (_request, c) => remoteHostname(c?.env),
		// Deno's fetch decodes gzip and br and sends its own Host (node-http-fetch.ts).
		fetchOrigin: nodeHttpFetch,
	});
	const server = Deno.serve(
		{
			hostname: settings.host,
			port: settings.port,
			onListen: ({ port }) =>
				console.log(
					listeningLine("deno", `http://${formatHostPort(settings.host, port)}`, settings),
				),
		},
		// A HEAD of unknown length would get Content-Length: 0 (head-framing.ts).
		async (request, info) => framedForDeno(request, await edge.app.fetch(request, info)),
	);
	const shutdown = () => {
		void server.shutdown().then(() => {
			edge.close();
			Deno.exit(0);
		});
	};
	Deno.addSignalListener("SIGTERM", shutdown);
	Deno.addSignalListener("SIGINT", shutdown);
}

main();
