/**
 * A request for a variant the cache lacks offers the origin the entity-tags of the URL's
 * other stored variants (RFC 9111 §4.3.1); a 304 naming one answers with it (§4.3.4), and
 * it is stored as the request's variant.
 */
import { describe, expect, test } from "bun:test";
import type { OriginFetch } from "../../edge/proxy/origin-fetch.ts";
import { MAX_LISTED_VARIANTS } from "../../edge/proxy/stored-response.ts";
import { makeEdge, settle } from "./edge-harness.ts";

interface Representation {
	readonly body: string;
	readonly etag: string;
	readonly headers?: Record<string, string>;
}

/**
 * An origin whose one URL varies on `vary`: `choose` picks the representation for a
 * request, and a request listing its tag gets a 304 (unless `notModified` says otherwise).
 */
function negotiating(
	vary: string,
	choose: (request: Request) => Representation,
	notModified: (representation: Representation, request: Request) => Response | undefined = (
		representation,
	) =>
		new Response(null, {
			status: 304,
			headers: { etag: representation.etag, "cache-control": "max-age=600", vary },
		}),
) {
	const seen: Request[] = [];
	const fetchOrigin: OriginFetch = async (request) => {
		seen.push(request);
		const representation = choose(request);
		const listed = (request.headers.get("if-none-match") ?? "").split(",").map((t) => t.trim());
		if (listed.includes(representation.etag)) {
			const answer = notModified(representation, request);
			if (answer !== undefined) return answer;
		}
		return new Response(representation.body, {
			headers: {
				etag: representation.etag,
				"cache-control": "max-age=600",
				vary,
				"content-type": "text/plain",
				...representation.headers,
			},
		});
	};
	return { fetchOrigin, seen };
}

const ENGLISH: Representation = {
	body: "hello",
	etag: '"en-1"',
	headers: { "last-modified": "Sun, 01 Nov 2026 00:00:00 GMT" },
};
const FRENCH: Representation = { body: "bonjour", etag: '"fr-1"' };
const byLanguage = (request: Request) =>
	request.headers.get("accept-language")?.startsWith("fr") ? FRENCH : ENGLISH;

describe("offering stored variants' tags on a vary-miss (RFC 9111 §4.3.1, §4.3.4)", () => {
	test("a 304 naming a stored variant answers with it, and stores it for the new variant", async () => {
		const { fetchOrigin, seen } = negotiating("accept-language", byLanguage);
		const { get } = makeEdge({ fetchOrigin });
		expect(await (await get("/page", { "accept-language": "en" })).text()).toBe("hello");
		await settle();
		const german = await get("/page", { "accept-language": "de" });
		expect(german.status).toBe(200);
		expect(await german.text()).toBe("hello");
		expect(german.headers.get("etag")).toBe('"en-1"');
		expect(german.headers.get("content-length")).toBe("5");
		expect(german.headers.get("cache-status")).toBe("NeuroCache;fwd=vary-miss;fwd-status=304");
		// The origin was offered the English tag, and no date (§4.3.1: tags name representations).
		expect(seen[1]?.headers.get("if-none-match")).toBe('"en-1"');
		expect(seen[1]?.headers.has("if-modified-since")).toBe(false);
		await settle();
		const again = await get("/page", { "accept-language": "de" });
		expect(again.headers.get("cache-status")).toBe("NeuroCache;hit;ttl=600");
		expect(await again.text()).toBe("hello");
		expect(seen).toHaveLength(2);
	});

	test("a 200 is the new variant's own representation, stored beside the others", async () => {
		const { fetchOrigin, seen } = negotiating("accept-language", byLanguage);
		const { get } = makeEdge({ fetchOrigin });
		await (await get("/page", { "accept-language": "en" })).text();
		await settle();
		const french = await get("/page", { "accept-language": "fr" });
		expect(await french.text()).toBe("bonjour");
		expect(french.headers.get("cache-status")).toBe("NeuroCache;fwd=vary-miss;fwd-status=200");
		expect(seen[1]?.headers.get("if-none-match")).toBe('"en-1"');
		await settle();
		// A third variant is offered both tags, newest first, and takes the one named.
		const canadian = await get("/page", { "accept-language": "fr-CA" });
		expect(seen[2]?.headers.get("if-none-match")).toBe('"fr-1", "en-1"');
		expect(await canadian.text()).toBe("bonjour");
		await settle();
		for (const [language, body] of [
			["en", "hello"],
			["fr", "bonjour"],
			["fr-CA", "bonjour"],
		] as const) {
			const hit = await get("/page", { "accept-language": language });
			expect(hit.headers.get("cache-status")).toBe("NeuroCache;hit;ttl=600");
			expect(await hit.text()).toBe(body);
		}
		expect(seen).toHaveLength(3);
	});

	test("a 304 naming none of the tags offered, or no tag at all, is followed by a plain request", async () => {
		for (const notModifiedTag of ['"other"', undefined]) {
			let calls = 0;
			const seen: Request[] = [];
			const fetchOrigin: OriginFetch = async (request) => {
				seen.push(request);
				calls++;
				if (calls === 2) {
					const headers: Record<string, string> = { "cache-control": "max-age=600" };
					if (notModifiedTag !== undefined) headers.etag = notModifiedTag;
					return new Response(null, { status: 304, headers });
				}
				const body = calls === 1 ? "hello" : "guten tag";
				return new Response(body, {
					headers: { etag: `"${calls}"`, "cache-control": "max-age=600", vary: "accept-language" },
				});
			};
			const { get } = makeEdge({ fetchOrigin });
			await (await get("/page", { "accept-language": "en" })).text();
			await settle();
			const german = await get("/page", { "accept-language": "de" });
			expect(await german.text()).toBe("guten tag");
			expect(seen).toHaveLength(3);
			expect(seen[2]?.headers.has("if-none-match")).toBe(false);
		}
	});

	test("a strong 304 does not select a weakly tagged variant; a weak one does", async () => {
		for (const [answerTag, expected] of [
			['"en-1"', "new"],
			['W/"en-1"', "hello"],
		] as const) {
			let calls = 0;
			const fetchOrigin: OriginFetch = async (request) => {
				calls++;
				if (calls === 2 && request.headers.get("if-none-match") === 'W/"en-1"')
					return new Response(null, {
						status: 304,
						headers: { etag: answerTag, "cache-control": "max-age=600" },
					});
				return new Response(calls === 1 ? "hello" : "new", {
					headers: {
						etag: calls === 1 ? 'W/"en-1"' : '"de-1"',
						"cache-control": "max-age=600",
						vary: "accept-language",
					},
				});
			};
			const { get } = makeEdge({ fetchOrigin });
			await (await get("/page", { "accept-language": "en" })).text();
			await settle();
			expect(await (await get("/page", { "accept-language": "de" })).text()).toBe(expected);
		}
	});

	test("variants stored in another coding, or for other codings, are not offered", async () => {
		const gzipped: Representation = {
			body: "gzip-bytes",
			etag: '"en-gz"',
			headers: { "content-encoding": "gzip" },
		};
		// An origin that tags every coding alike (RFC 9110 §8.8.3 says not to; some do).
		const { fetchOrigin, seen } = negotiating("accept-encoding, accept-language", (request) =>
			request.headers.get("accept-encoding")?.includes("gzip") ? gzipped : ENGLISH,
		);
		const { get } = makeEdge({ fetchOrigin });
		await (await get("/page", { "accept-encoding": "gzip", "accept-language": "en" })).text();
		await settle();
		// Another language, no gzip: the gzip variant is neither accepted nor for these codings.
		await (await get("/page", { "accept-language": "de" })).text();
		expect(seen[1]?.headers.has("if-none-match")).toBe(false);
		await settle();
		// Another language with gzip: the same codings, so the gzip variant is offered.
		const french = await get("/page", { "accept-encoding": "gzip", "accept-language": "fr" });
		expect(seen[2]?.headers.get("if-none-match")).toBe('"en-gz"');
		expect(french.headers.get("content-encoding")).toBe("gzip");
	});

	test("a stored variant in a coding the client refuses is not offered, even without Vary on codings", async () => {
		const gzipped: Representation = {
			body: "gzip-bytes",
			etag: '"en-gz"',
			headers: { "content-encoding": "gzip" },
		};
		const { fetchOrigin, seen } = negotiating("accept-language", () => gzipped);
		const { get } = makeEdge({ fetchOrigin });
		await (await get("/page", { "accept-language": "en" })).text();
		await settle();
		await (await get("/page", { "accept-language": "de", "accept-encoding": "identity" })).text();
		expect(seen[1]?.headers.has("if-none-match")).toBe(false);
		await settle();
		await (await get("/page", { "accept-language": "fr", "accept-encoding": "gzip" })).text();
		expect(seen[2]?.headers.get("if-none-match")).toBe('"en-gz"');
	});

	test("a client's own conditional and Range are answered from the selected variant", async () => {
		const { fetchOrigin, seen } = negotiating("accept-language", byLanguage);
		const { get } = makeEdge({ fetchOrigin });
		await (await get("/page", { "accept-language": "en" })).text();
		await settle();
		const ranged = await get("/page", { "accept-language": "de", range: "bytes=1-3" });
		expect(ranged.status).toBe(206);
		expect(await ranged.text()).toBe("ell");
		// The client's Range stayed between it and the edge; the origin was asked for the whole.
		expect(seen[1]?.headers.has("range")).toBe(false);
		await settle();
		const conditional = await get("/page", { "accept-language": "it", "if-none-match": '"en-1"' });
		expect(conditional.status).toBe(304);
		expect(seen[2]?.headers.get("if-none-match")).toBe('"en-1"');
	});

	test("the Vary record lists the newest variants, at most MAX_LISTED_VARIANTS", async () => {
		const { fetchOrigin, seen } = negotiating("accept-language", (request) => {
			const language = request.headers.get("accept-language") ?? "";
			return { body: `in ${language}`, etag: `"${language}"` };
		});
		const { get } = makeEdge({ fetchOrigin });
		const languages = Array.from({ length: MAX_LISTED_VARIANTS + 3 }, (_, i) => `l${i}`);
		for (const language of languages) {
			await (await get("/page", { "accept-language": language })).text();
			await settle();
		}
		await (await get("/page", { "accept-language": "last" })).text();
		const offered = (seen.at(-1)?.headers.get("if-none-match") ?? "").split(", ");
		expect(offered).toEqual(
			languages
				.slice(-MAX_LISTED_VARIANTS)
				.reverse()
				.map((language) => `"${language}"`),
		);
	});

	test("a record whose variants vary on other fields is not listed from", async () => {
		let vary = "accept-language";
		const seen: Request[] = [];
		const fetchOrigin: OriginFetch = async (request) => {
			seen.push(request);
			return new Response("x", {
				headers: { etag: `"${seen.length}"`, "cache-control": "max-age=600", vary },
			});
		};
		const { get } = makeEdge({ fetchOrigin });
		await (await get("/page", { "accept-language": "en" })).text();
		await settle();
		vary = "user-agent";
		await (await get("/page", { "accept-language": "de" })).text();
		await settle();
		// The record now varies on User-Agent and lists only the variant stored under it.
		await (await get("/page", { "user-agent": "b" })).text();
		expect(seen[2]?.headers.get("if-none-match")).toBe('"2"');
	});
});
