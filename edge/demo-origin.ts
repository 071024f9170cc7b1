/**
 * A small origin to try the edge against (started by `npm start` when no origin is given)
 * and to drive tests and benchmarks: pages, images and an API with varied Cache-Control,
 * ETag and Vary, a pre-compressed body, and a request counter per path so a benchmark can
 * prove every measured request was a cache hit. Web APIs and Hono only.
 */
import { Hono } from "hono";

export interface DemoOrigin {
	readonly app: Hono;
	/** Requests seen per path, and in total. */
	requests(path?: string): number;
}

const encoder = new TextEncoder();

function page(title: string, body: string): string {
	return `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>\n`;
}

/** Weak ETag from a cheap hash of the body: stable across restarts for the same bytes. */
export function etagOf(bytes: Uint8Array): string {
	let hash = 2166136261;
	for (const byte of bytes) hash = Math.imul(hash ^ byte, 16777619) >>> 0;
	return `"${hash.toString(16)}-${bytes.byteLength.toString(16)}"`;
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
	const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
	return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Bytes of a given size, deterministic, so benchmarks fetch the same object every time. */
export function sizedBody(size: number): Uint8Array {
	const bytes = new Uint8Array(size);
	for (let i = 0; i < size; i++) bytes[i] = 97 + (i % 26);
	return bytes;
}

export function createDemoOrigin(): DemoOrigin {
	const counts = new Map<string, number>();
	let total = 0;
	const app = new Hono();
	let gzipped: Promise<Uint8Array> | undefined;

	app.use("*", async (c, next) => {
		const path = new URL(c.req.url).pathname;
		if (!path.startsWith("/_origin/")) {
			counts.set(path, (counts.get(path) ?? 0) + 1);
			total++;
		}
		await next();
	});

	/** Serves `bytes` with an ETag, answering a matching If-None-Match with 304. */
	const withEtag = (
		ifNoneMatch: string | undefined,
		bytes: Uint8Array,
		headers: Record<string, string>,
	) => {
		const etag = etagOf(bytes);
		const common = { ...headers, etag };
		if (ifNoneMatch?.split(",").some((tag) => tag.trim() === etag || tag.trim() === "*")) {
			return new Response(null, { status: 304, headers: common });
		}
		return new Response(bytes, {
			status: 200,
			headers: { ...common, "content-length": String(bytes.byteLength) },
		});
	};

	app.get("/", (c) =>
		c.html(
			page(
				"NeuroCache demo origin",
				"<ul><li><a href=/pages/1>a page (max-age=60, ETag)</a></li><li><a href=/assets/logo.svg>an immutable image</a></li>" +
					"<li><a href=/api/time>no-store API</a></li><li><a href=/api/greeting>Vary: Accept-Language</a></li>" +
					"<li><a href=/compressed>gzip body, Vary: Accept-Encoding</a></li></ul>",
			),
			200,
			{ "cache-control": "public, max-age=30" },
		),
	);

	app.get("/pages/:n{[0-9]{1,6}}", (c) =>
		withEtag(
			c.req.header("if-none-match"),
			encoder.encode(page(`Page ${c.req.param("n")}`, "<p>Cached for a minute.</p>")),
			{
				"content-type": "text/html; charset=utf-8",
				"cache-control": "public, max-age=60, stale-while-revalidate=30",
				"last-modified": "Sat, 01 Nov 2025 00:00:00 GMT",
				"cache-tag": `pages,page-${c.req.param("n")}`,
			},
		),
	);

	// An update: a successful unsafe request, which makes caches drop the page (RFC 9111 §4.4).
	app.post("/pages/:n{[0-9]{1,6}}", (c) =>
		c.text("updated\n", 200, { "cache-control": "no-store" }),
	);

	app.get("/assets/logo.svg", (c) =>
		withEtag(
			c.req.header("if-none-match"),
			encoder.encode(
				'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><circle cx="32" cy="32" r="30"/></svg>\n',
			),
			{ "content-type": "image/svg+xml", "cache-control": "public, max-age=31536000, immutable" },
		),
	);

	// Fixed-size bodies for benchmarks: /bytes/1024, /bytes/65536 (at most 16 MiB).
	app.get("/bytes/:size{[0-9]{1,8}}", (c) => {
		const size = Number(c.req.param("size"));
		if (size > 16 * 2 ** 20) return c.text("too large\n", 400);
		return withEtag(c.req.header("if-none-match"), sizedBody(size), {
			"content-type": "application/octet-stream",
			"cache-control": "public, max-age=3600",
		});
	});

	app.get("/api/time", (c) =>
		c.json({ now: new Date().toISOString() }, 200, { "cache-control": "no-store" }),
	);

	app.get("/api/me", (c) =>
		c.json({ user: "demo" }, 200, { "cache-control": "private, max-age=60" }),
	);

	app.get("/api/greeting", (c) => {
		const french = (c.req.header("accept-language") ?? "").toLowerCase().startsWith("fr");
		return c.json({ greeting: french ? "bonjour" : "hello" }, 200, {
			"cache-control": "public, max-age=120",
			vary: "Accept-Language",
			"content-language": french ? "fr" : "en",
		});
	});

	app.get("/compressed", async (c) => {
		const plain = encoder.encode(
			page("Compressed", "<p>This body is gzip-encoded when the client accepts it.</p>".repeat(20)),
		);
		const acceptsGzip = /\bgzip\b/.test(c.req.header("accept-encoding") ?? "");
		gzipped ??= gzip(plain);
		const body = acceptsGzip ? await gzipped : plain;
		const headers: Record<string, string> = {
			"content-type": "text/html; charset=utf-8",
			"cache-control": "public, max-age=300",
			vary: "Accept-Encoding",
			"content-length": String(body.byteLength),
		};
		if (acceptsGzip) headers["content-encoding"] = "gzip";
		return new Response(body, { headers });
	});

	app.get("/_origin/stats", (c) => c.json({ total, byPath: Object.fromEntries(counts) }));

	return {
		app,
		requests: (path) => (path === undefined ? total : (counts.get(path) ?? 0)),
	};
}
