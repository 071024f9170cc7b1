/**
 * The origin is asked exactly what the answer is stored under: the Host it sees is the
 * authority the request was routed and keyed by, and a stored variant is keyed by the
 * fields the origin received. Over real HTTP on both sides (a raw TCP client, for Hosts and
 * Connection fields fetch would not send, and a raw TCP origin that shows what it got),
 * against an origin that answers by Host and by Accept-Language, as virtual hosting does.
 */
import { describe, expect, test } from "bun:test";
import { rawRequest } from "./raw-client.ts";
import { field, type RawExchange } from "./raw-origin.ts";
import { rawOriginEdges } from "./served-edge.ts";

const edges = rawOriginEdges({ startMs: 0, originTimeoutMs: 1000 });
const start = edges.start;

function answer(ex: RawExchange, body: string, extra = ""): void {
	ex.write(
		`HTTP/1.1 200 OK\r\nCache-Control: max-age=600\r\n${extra}Content-Length: ${body.length}\r\n\r\n${body}`,
	);
}

/** A virtual-hosting origin: the page names the host it was asked for. */
const siteForHost = (ex: RawExchange) => answer(ex, `site for ${field(ex.head, "host")}`);

/** A page per language, as the origin received it. */
const pageForLanguage = (ex: RawExchange) =>
	answer(ex, `lang=${field(ex.head, "accept-language") ?? "(none)"}`, "Vary: Accept-Language\r\n");

const get = (path: string, fields: string) =>
	rawRequest(
		edges.current().edge.url,
		`GET ${path} HTTP/1.1\r\n${fields}Connection: close\r\n\r\n`,
	);

describe("the Host the origin sees", () => {
	const spellings = [
		"%73hop.example",
		"shop%2Eexample",
		"SHOP.EXAMPLE",
		"shop.example:0080",
		"shop.example:",
	];
	for (const spelling of spellings) {
		test(`Host: ${spelling} keys as shop.example, and the origin is asked for shop.example`, async () => {
			const { origin } = start({ "/page": siteForHost });
			const first = await get("/page", `Host: ${spelling}\r\n`);
			expect(first.body).toContain("site for shop.example");
			expect(field(origin.heads("/page")[0] ?? "", "host")).toBe("shop.example");
			const next = await get("/page", "Host: shop.example\r\n");
			expect(next.fields.get("cache-status")).toMatch(/hit/);
			expect(next.body).toContain("site for shop.example");
		});
	}

	test("a Connection naming Host cannot take it away: the origin still gets the keyed one", async () => {
		const { origin } = start({ "/home": siteForHost });
		const first = await get("/home", "Host: shop.example\r\nConnection: host\r\n");
		expect(first.body).toContain("site for shop.example");
		expect(field(origin.heads("/home")[0] ?? "", "host")).toBe("shop.example");
		const next = await get("/home", "Host: shop.example\r\n");
		expect(next.body).toContain("site for shop.example");
	});
});

describe("a stored variant (RFC 9111 §4.1)", () => {
	test("is keyed by the fields the origin got: one a client's Connection named goes unkeyed", async () => {
		const { origin } = start({ "/v": pageForLanguage });
		// The origin never saw "fr": its answer is the no-language page, for what it was asked.
		const attacker = await get(
			"/v",
			"Host: shop.example\r\nAccept-Language: fr\r\nConnection: accept-language\r\n",
		);
		expect(attacker.body).toContain("lang=(none)");
		expect(field(origin.heads("/v")[0] ?? "", "accept-language")).toBeUndefined();
		// So a French client is not served it: it is asked for, in French.
		const french = await get("/v", "Host: shop.example\r\nAccept-Language: fr\r\n");
		expect(french.body).toContain("lang=fr");
		expect(field(origin.heads("/v")[1] ?? "", "accept-language")).toBe("fr");
		// And the no-language page is where it belongs.
		const plain = await get("/v", "Host: shop.example\r\n");
		expect(plain.fields.get("cache-status")).toMatch(/hit/);
		expect(plain.body).toContain("lang=(none)");
		expect(origin.heads("/v")).toHaveLength(2);
	});
});
