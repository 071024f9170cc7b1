/**
 * An origin on a raw loopback TCP socket (Bun.listen), for answers an HTTP server library
 * would not write: no Date, two Content-Lengths, broken chunked framing, a body that stops
 * halfway. Each path has a handler that writes bytes when it likes (often when the test
 * opens a gate); the origin keeps each request's head and tells when a connection closes.
 */

/** One connection's answering side, as a handler sees it. */
export interface RawExchange {
	/** The request head as received: request line and fields. */
	readonly head: string;
	write(text: string): void;
	/** Closes the connection after what was written. */
	end(): void;
}

export type RawHandler = (exchange: RawExchange) => void;

export interface RawOrigin {
	readonly url: string;
	/** The heads of the requests for `path` (no query), in arrival order. */
	heads(path: string): string[];
	/** Resolves when a connection that carried a request for `path` has closed. */
	closed(path: string): Promise<void>;
	stop(): void;
}

interface ConnectionState {
	path?: string;
}

const REQUEST_LINE = /^([A-Z]+) (\S+) HTTP\/1\.1\r\n/;

export function startRawOrigin(handlers: Readonly<Record<string, RawHandler>>): RawOrigin {
	const heads = new Map<string, string[]>();
	const closeWaiters = new Map<string, (() => void)[]>();
	const closedPaths = new Set<string>();
	const server = Bun.listen<ConnectionState>({
		hostname: "127.0.0.1",
		port: 0,
		socket: {
			open(socket) {
				socket.data = {};
			},
			data(socket, bytes) {
				const text = bytes.toString();
				// A new request starts with its request line; anything else is a body going on.
				const line = REQUEST_LINE.exec(text);
				if (line === null) return;
				const path = (line[2] ?? "/").split("?")[0] ?? "/";
				socket.data.path = path;
				const head = text.slice(0, text.indexOf("\r\n\r\n") + 2);
				heads.set(path, [...(heads.get(path) ?? []), head]);
				const handler = handlers[path];
				if (handler === undefined) {
					socket.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
					return;
				}
				handler({ head, write: (chunk) => void socket.write(chunk), end: () => socket.end() });
			},
			close(socket) {
				const path = socket.data.path;
				if (path === undefined) return;
				closedPaths.add(path);
				for (const wake of closeWaiters.get(path) ?? []) wake();
				closeWaiters.delete(path);
			},
			error() {},
		},
	});
	return {
		url: `http://127.0.0.1:${server.port}`,
		heads: (path) => heads.get(path) ?? [],
		closed: (path) =>
			closedPaths.has(path)
				? Promise.resolve()
				: new Promise((resolve) => {
						closeWaiters.set(path, [...(closeWaiters.get(path) ?? []), resolve]);
					}),
		stop: () => server.stop(true),
	};
}

/** A promise and the function that resolves it: a gate a test opens. */
export function gate(): { readonly opened: Promise<void>; readonly open: () => void } {
	let open = () => {};
	const opened = new Promise<void>((resolve) => {
		open = resolve;
	});
	return { opened, open };
}

/** The value of field `name` (lowercase) in a raw request head; undefined when absent. */
export function field(head: string, name: string): string | undefined {
	for (const line of head.split("\r\n").slice(1)) {
		const colon = line.indexOf(":");
		if (line.slice(0, colon).toLowerCase() === name) return line.slice(colon + 1).trim();
	}
	return undefined;
}
