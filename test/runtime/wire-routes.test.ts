// Every adapter builds its edge with wireEdge: routes from NEURO_ROUTES send each Host to
// its own origin, the default takes the rest, and a Host with neither gets a clear refusal.
import { afterAll, describe, expect, test } from "bun:test";
import { sizedBody } from "../../edge/demo-origin.ts";
import { parseSettings } from "../../edge/runtime/settings.ts";
import { wireEdge } from "../../edge/runtime/wire.ts";

function namedOrigin(name: string) {
	return Bun.serve({
		port: 0,
		hostname: "127.0.0.1",
		fetch: (request) =>
			new Response(`${name} ${new URL(request.url).pathname}`, {
				headers: { "cache-control": "max-age=60" },
			}),
	});
}

const assets = namedOrigin("assets");
const fallback = namedOrigin("fallback");
afterAll(() => {
	assets.stop(true);
	fallback.stop(true);
});

function edgeWith(env: Record<string, string>) {
	return wireEdge(parseSettings({ NEURO_MEMORY_MB: "4", ...env }));
}

async function get(edge: ReturnType<typeof wireEdge>, url: string) {
	const response = await edge.app.fetch(new Request(url));
	return { status: response.status, body: await response.text() };
}

test("NEURO_ROUTES sends each routed Host to its origin and NEURO_ORIGIN takes the rest", async () => {
	const edge = edgeWith({
		NEURO_ROUTES: JSON.stringify({ hosts: { "assets.test": { origin: assets.url.origin } } }),
		NEURO_ORIGIN: fallback.url.origin,
	});
	try {
		expect(await get(edge, "http://assets.test/app.js")).toEqual({
			status: 200,
			body: "assets /app.js",
		});
		expect(await get(edge, "http://www.test/index.html")).toEqual({
			status: 200,
			body: "fallback /index.html",
		});
	} finally {
		edge.close();
	}
});

test("without a default, a Host the routes do not name is refused, not sent anywhere", async () => {
	const edge = edgeWith({
		NEURO_ROUTES: JSON.stringify({ hosts: { "assets.test": { origin: assets.url.origin } } }),
	});
	try {
		const refused = await get(edge, "http://other.test/secret");
		expect(refused.status).toBe(421);
		expect(refused.body).not.toContain("assets");
		expect((await get(edge, "http://assets.test/a")).body).toBe("assets /a");
	} finally {
		edge.close();
	}
});

describe("objects over the slab's 1 MiB gate (NEURO_LARGE_MB)", () => {
	const size = 3 * 2 ** 20;
	let originRequests = 0;
	const large = Bun.serve({
		port: 0,
		hostname: "127.0.0.1",
		fetch: () => {
			originRequests++;
			return new Response(sizedBody(size), { headers: { "cache-control": "max-age=60" } });
		},
	});
	afterAll(() => large.stop(true));

	async function twice(env: Record<string, string>) {
		const edge = edgeWith({ NEURO_ORIGIN: large.url.origin, ...env });
		const before = originRequests;
		const statuses: (string | null)[] = [];
		try {
			for (let i = 0; i < 2; i++) {
				const response = await edge.app.fetch(new Request("http://www.test/video.bin"));
				const body: Uint8Array = new Uint8Array(await response.arrayBuffer());
				expect(body).toEqual(sizedBody(size));
				statuses.push(response.headers.get("cache-status"));
			}
			const stats = (await (
				await edge.app.fetch(new Request("http://www.test/_neuro/stats"))
			).json()) as {
				large: { objects: number } | null;
			};
			return { statuses, origin: originRequests - before, large: stats.large };
		} finally {
			edge.close();
		}
	}

	test("cached beside L0 by default: the second request is a hit", async () => {
		const { statuses, origin, large } = await twice({});
		expect(statuses[1]).toMatch(/^NeuroCache;hit/);
		expect(origin).toBe(1);
		expect(large?.objects).toBe(1);
	});

	test("NEURO_LARGE_MB=0: each request goes to the origin, and stats say the store is off", async () => {
		const { statuses, origin, large } = await twice({ NEURO_LARGE_MB: "0" });
		for (const status of statuses) expect(status).toContain("fwd=uri-miss");
		expect(origin).toBe(2);
		expect(large).toBeNull();
	});
});
