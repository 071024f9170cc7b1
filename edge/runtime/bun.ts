/**
 * The Bun adapter: serves a fetch handler with Bun.serve and drains it on SIGTERM/SIGINT.
 * Thin on purpose; what the node serves is built elsewhere (node.ts).
 *
 * - `reusePort` (the default): a new process binds the same port while the old one still
 *   serves, so a restart drops no connection (the kernel spreads new connections over
 *   both). Only a server told it replaces another (`joinHeldPort`) binds beside one; any
 *   other finding the port served on is refused. A listener that must stay alone on its
 *   port (the cluster API) turns reusePort off.
 * - TLS with optional HTTP/2 (ALPN) and HTTP/3 (QUIC on the same port number, over UDP);
 *   Bun adds `Alt-Svc: h3` to the TCP responses itself when HTTP/3 is on.
 * - A request without a Host field (HTTP/1.0) reaches the handler with a relative URL: the
 *   handler gives it the server's own authority (default-authority.ts) where it must.
 * - Draining: stop accepting (the listener closes, idle keep-alive connections with it),
 *   let in-flight requests finish until a deadline, then close what is left.
 */

import { formatHostPort } from "../http/host-port.ts";
import { sentRequest } from "./default-authority.ts";
import { framedForBun } from "./head-framing.ts";

export type FetchHandler = (request: Request) => Response | Promise<Response>;

/**
 * Bun.serve's own routes (`/v1/counters/:name/incr` → { POST: handler }), matched natively
 * before `fetch`; a request they do not match, by path or by method, goes to `fetch`.
 * For hot paths whose handlers read what they need from the Request themselves.
 */
export type NativeRoutes = Readonly<
	Record<string, Readonly<Partial<Record<"GET" | "POST" | "PUT" | "DELETE", FetchHandler>>>>
>;

export type ServeOptions = {
	readonly hostname: string;
	readonly port: number;
	/**
	 * How long a connection may send nothing before Bun closes it (Bun's default: 10 s).
	 * It must outlast the lock wait plus the origin timeout, or a client waiting on a slow
	 * origin loses its connection before the edge can answer 504: see idleTimeoutFor.
	 */
	readonly idleTimeoutSeconds?: number;
	readonly tls?: { readonly cert: string; readonly key: string } | undefined;
	readonly http2?: boolean;
	readonly http3?: boolean;
	readonly routes?: NativeRoutes;
	/**
	 * Bind with SO_REUSEPORT (default true), so a restarted edge shares the port with the
	 * one draining. False where a second holder would be a mistake, not a restart: the
	 * kernel would split requests between two servers that answer differently.
	 */
	readonly reusePort?: boolean;
	/**
	 * With reusePort: true when this server replaces one already serving on the port (a
	 * rolling restart), so joining it is meant. Otherwise (the default) a port another
	 * process serves on is refused, as it would be without SO_REUSEPORT: two unrelated
	 * edges silently sharing a port's connections is a mistake. Port 0 is never held.
	 */
	readonly joinHeldPort?: boolean;
	/**
	 * The largest request body read; a longer one is refused with 413 before it is read
	 * whole. Bun's default (128 MiB) suits the edge, which streams bodies to the origin.
	 */
	readonly maxRequestBodyBytes?: number;
};

export type DrainOutcome = {
	/** True when every in-flight request finished before the deadline. */
	readonly drained: boolean;
	/** Requests still in flight at the deadline, closed with their connections. */
	readonly abandoned: number;
};

export type BunServer = {
	readonly url: URL;
	readonly port: number;
	readonly inFlight: () => number;
	/** The address a request being served came from (Bun's requestIP); undefined if unknown. */
	readonly clientAddress: (request: Request) => string | undefined;
	readonly drain: (deadlineMs: number) => Promise<DrainOutcome>;
};

/** Bun accepts idle timeouts up to 255 s. */
export const MAX_IDLE_TIMEOUT_SECONDS = 255;

/**
 * The idle timeout for an edge whose requests may wait on the coalescing lock up to
 * `lockWaitMs` and then on the origin up to `originTimeoutMs`: a few seconds more than
 * both, so the edge's own 504 (or the late response) still reaches the client. (Sized by
 * the origin timeout alone, a client queued behind a slow fill lost its connection.)
 */
export function idleTimeoutFor(originTimeoutMs: number, lockWaitMs = 0): number {
	return Math.min(
		MAX_IDLE_TIMEOUT_SECONDS,
		Math.ceil((lockWaitMs + originTimeoutMs) / 1000) + IDLE_MARGIN_SECONDS,
	);
}

/** What the idle timeout adds to the longest legitimate wait. */
export const IDLE_MARGIN_SECONDS = 5;

/** The listener could not be opened: port in use, address not on this host, bad TLS. */
export class ListenError extends Error {
	override name = "ListenError";
}

export function serveBun(fetch: FetchHandler, options: ServeOptions): BunServer {
	if (mustFindPortFree(options)) refuseHeldPort(options);
	let server: ReturnType<typeof Bun.serve>;
	try {
		server = listen(fetch, options);
	} catch (cause) {
		const code = (cause as { code?: unknown }).code;
		const message = (cause as Error).message;
		const why =
			typeof code === "string" && !message.includes(code) ? `${message} (${code})` : message;
		const where = formatHostPort(options.hostname, options.port);
		throw new ListenError(`cannot listen on ${where}: ${why}`, { cause });
	}
	const port = server.port ?? options.port;
	let draining: Promise<DrainOutcome> | undefined;
	return {
		url: server.url,
		port,
		inFlight: () => server.pendingRequests,
		clientAddress: (request) => server.requestIP(sentRequest(request))?.address,
		drain(deadlineMs) {
			draining ??= drainServer(server, deadlineMs);
			return draining;
		},
	};
}

function mustFindPortFree(options: ServeOptions): boolean {
	return options.port !== 0 && (options.reusePort ?? true) && options.joinHeldPort !== true;
}

/**
 * SO_REUSEPORT lets any process of this user bind beside a server that set it too, and the
 * kernel then splits new connections between them. A probe bound without it fails exactly
 * when such a server holds the port; closed at once, it leaves the port to listen().
 */
function refuseHeldPort(options: ServeOptions): void {
	let probe: { stop(closeActiveConnections?: boolean): void };
	try {
		probe = Bun.listen({ hostname: options.hostname, port: options.port, socket: { data() {} } });
	} catch (cause) {
		if ((cause as { code?: unknown }).code !== "EADDRINUSE") return; // listen() will say why
		const where = formatHostPort(options.hostname, options.port);
		throw new ListenError(
			`cannot listen on ${where}: another process serves on it (EADDRINUSE); to replace it in a rolling restart, start this one with NEURO_TAKEOVER=1`,
			{ cause },
		);
	}
	probe.stop(true);
}

function listen(fetch: FetchHandler, options: ServeOptions): ReturnType<typeof Bun.serve> {
	return Bun.serve({
		hostname: options.hostname,
		port: options.port,
		reusePort: options.reusePort ?? true,
		// Bun's development mode (its default outside NODE_ENV=production) answers an
		// uncaught error with an HTML page showing the source and the stack: never to clients.
		development: false,
		error(error) {
			console.error(`ERROR uncaught in a request: ${error.stack ?? error.message}`);
			return new Response("internal error\n", {
				status: 500,
				headers: { "content-type": "text/plain; charset=utf-8" },
			});
		},
		...(options.idleTimeoutSeconds === undefined
			? {}
			: { idleTimeout: options.idleTimeoutSeconds }),
		fetch: (request) => {
			const served = fetch(request);
			// Every other method passes untouched: the hot path pays one comparison.
			if (request.method !== "HEAD") return served;
			return served instanceof Response
				? framedForBun(request, served)
				: served.then((response) => framedForBun(request, response));
		},
		...(options.routes === undefined ? {} : { routes: options.routes }),
		...(options.maxRequestBodyBytes === undefined
			? {}
			: { maxRequestBodySize: options.maxRequestBodyBytes }),
		...(options.tls === undefined
			? {}
			: {
					tls: { cert: options.tls.cert, key: options.tls.key },
					http2: options.http2 ?? false,
					http3: options.http3 ?? false,
				}),
	});
}

async function drainServer(
	server: ReturnType<typeof Bun.serve>,
	deadlineMs: number,
): Promise<DrainOutcome> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const deadline = new Promise<"deadline">((resolve) => {
		timer = setTimeout(() => resolve("deadline"), deadlineMs);
	});
	// stop() without force closes the listener now and resolves once in-flight requests end.
	const outcome = await Promise.race([server.stop(false).then(() => "drained" as const), deadline]);
	clearTimeout(timer);
	if (outcome === "drained") return { drained: true, abandoned: 0 };
	const abandoned = server.pendingRequests;
	await server.stop(true);
	return { drained: false, abandoned };
}

export type ShutdownOptions = {
	readonly server: BunServer;
	readonly drainMs: number;
	/** Runs after the drain, before exit: stop helpers, free the tier. */
	readonly afterDrain: () => void | Promise<void>;
	/**
	 * Started with the drain and awaited before afterDrain: another server that must stop
	 * accepting at the signal too (the control plane's API and its Raft member).
	 */
	readonly stopBeside?: () => Promise<void>;
	readonly log: (line: string) => void;
};

/**
 * On SIGTERM or SIGINT: drain, clean up, exit 0 (the drain was the asked-for outcome even
 * when the deadline cut it short; the log says so). A second signal exits at once.
 */
export function drainOnSignals({
	server,
	drainMs,
	afterDrain,
	stopBeside,
	log,
}: ShutdownOptions): void {
	let shuttingDown = false;
	const onSignal = async (signal: NodeJS.Signals) => {
		if (shuttingDown) {
			log(`WARN ${signal} again: exiting without waiting for ${server.inFlight()} request(s)`);
			process.exit(1);
		}
		shuttingDown = true;
		const pending = server.drain(drainMs);
		const beside = stopBeside?.().catch((error: unknown) => {
			log(`ERROR stopping beside the edge: ${(error as Error).message}`);
		});
		log(
			`INFO ${signal}: stopped accepting; draining ${server.inFlight()} in-flight request(s) for up to ${drainMs} ms`,
		);
		const outcome = await pending;
		if (outcome.drained) log("INFO drained: every in-flight request finished");
		else log(`WARN drain deadline (${drainMs} ms) passed: closed ${outcome.abandoned} request(s)`);
		await beside;
		await afterDrain();
		process.exit(0);
	};
	process.on("SIGTERM", onSignal);
	process.on("SIGINT", onSignal);
}
