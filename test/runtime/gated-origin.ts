/**
 * The demo origin on a real loopback port (Bun.serve, in the test process), plus
 * /slow/:name, which answers only when the test opens its gate: concurrent misses can be
 * held at the origin for as long as the test needs, without sleeping. /dies-midway sends
 * its head and part of a cacheable body, and resets the connection once the gate opens.
 * /echo/x-forwarded-for answers with the X-Forwarded-For it received, /echo/request-fields
 * with every field it received (as JSON). /chunked/:name is a cacheable body of unknown
 * length (sent chunked). /untyped/:name answers with no Content-Type (?cookies: and two
 * Set-Cookie fields, not stored).
 */
import { createDemoOrigin } from "../../edge/demo-origin.ts";

export interface GatedOrigin {
	readonly url: string;
	/** Requests the origin has seen for a path. */
	requests(path: string): number;
	/** Holds every /slow/* answer until the returned function is called. */
	closeGate(): () => void;
	stop(): void;
}

export function startGatedOrigin(): GatedOrigin {
	const demo = createDemoOrigin();
	let gate: Promise<void> = Promise.resolve();
	demo.app.get("/slow/:name{[a-z0-9-]{1,32}}", async (c) => {
		await gate;
		return c.text(`slow ${c.req.param("name")}\n`, 200, { "cache-control": "public, max-age=60" });
	});
	demo.app.get("/dies-midway", () => {
		let sent = false;
		const body = new ReadableStream<Uint8Array>({
			async pull(controller) {
				if (sent) {
					await gate;
					// Bun resets the connection; undefined keeps it from printing a reason.
					controller.error(undefined);
					return;
				}
				sent = true;
				controller.enqueue(new TextEncoder().encode("the first part, "));
			},
		});
		return new Response(body, { headers: { "cache-control": "public, max-age=60" } });
	});
	// What reached the origin as X-Forwarded-For (never stored: each request answers itself).
	demo.app.get("/echo/x-forwarded-for", (c) =>
		c.text(c.req.header("x-forwarded-for") ?? "(none)", 200, { "cache-control": "no-store" }),
	);
	demo.app.get("/echo/request-fields", (c) =>
		c.json(Object.fromEntries(c.req.raw.headers), 200, { "cache-control": "no-store" }),
	);
	demo.app.get("/chunked/:name{[a-z0-9-]{1,32}}", (c) => {
		const text = `chunked ${c.req.param("name")}\n`;
		// Closed only after a turn of the event loop: Bun measures a stream that is complete
		// when it first reads it, and would send a Content-Length.
		let sent = false;
		const body = new ReadableStream<Uint8Array>({
			async pull(controller) {
				if (sent) {
					await new Promise((resolve) => setImmediate(resolve));
					controller.close();
					return;
				}
				sent = true;
				controller.enqueue(new TextEncoder().encode(text));
			},
		});
		return new Response(body, {
			headers: { "cache-control": "public, max-age=60", "content-type": "text/plain" },
		});
	});
	// Bytes with no Content-Type: a proxy must not invent one (RFC 9110 §8.3 leaves it to
	// the recipient to sniff or treat as application/octet-stream).
	// A stream: Bun.serve labels a byte-array body application/octet-stream by itself.
	demo.app.get("/untyped/:name{[a-z0-9-]{1,32}}", (c) => {
		const bytes = new TextEncoder().encode(`untyped ${c.req.param("name")}\n`);
		const body = new ReadableStream<Uint8Array>({
			start(controller) {
				controller.enqueue(bytes);
				controller.close();
			},
		});
		const headers = new Headers({
			"cache-control": c.req.query("cookies") === undefined ? "public, max-age=60" : "no-store",
			"content-length": String(bytes.length),
		});
		// ?cookies: two Set-Cookie fields, which must stay two.
		if (c.req.query("cookies") !== undefined) {
			headers.append("set-cookie", "a=1; Path=/");
			headers.append("set-cookie", "b=2; Path=/");
		}
		return new Response(body, { headers });
	});
	const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: demo.app.fetch });
	return {
		url: `http://127.0.0.1:${server.port}`,
		requests: (path) => demo.requests(path),
		closeGate: () => {
			let open = () => {};
			gate = new Promise((resolve) => {
				open = resolve;
			});
			return () => {
				open();
				gate = Promise.resolve();
			};
		},
		stop: () => void server.stop(true),
	};
}
