// Every adapter builds its edge with wireEdge: routes from NEURO_ROUTES send each Host to
// its own origin, the default takes the rest, and a Host with neither gets a clear refusal.
import { afterAll, expect, test } from "bun:test";
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
