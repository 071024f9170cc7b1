/**
 * Storing 206 Partial Content and serving ranges from it, end to end (RFC 9111 §3.3: a
 * cache MAY store an incomplete response and MUST NOT use it as a complete one; RFC 9110
 * §14: the ranges it answers). The origin's representation is REP, 100 distinct-looking
 * bytes, so a wrong offset shows in the text.
 */
import { describe, expect, test } from "bun:test";
import { type ScriptedAnswer, scriptedEdge } from "./scripted-edge.ts";

const REP = Array.from({ length: 100 }, (_, i) => String.fromCharCode(33 + ((i * 7) % 90))).join(
	"",
);
const bytes = (first: number, last: number) => REP.slice(first, last + 1);

/** The origin's 206 for bytes first-last (inclusive) of REP; `complete` "*" for unknown. */
function part(
	first: number,
	last: number,
	fields: ScriptedAnswer["fields"] = [["cache-control", "max-age=60"]],
	complete: number | "*" = REP.length,
): ScriptedAnswer {
	return {
		status: 206,
		fields: [["content-range", `bytes ${first}-${last}/${complete}`], ...(fields ?? [])],
		body: bytes(first, last),
	};
}

const WHOLE: ScriptedAnswer = { fields: [["cache-control", "max-age=60"]], body: REP };
const FALLBACK: ScriptedAnswer = { fields: [["cache-control", "no-store"]], body: REP };

describe("a stored 206 answers ranges inside it (RFC 9111 §3.3, RFC 9110 §14)", () => {
	test("a range inside the stored part is a hit: its bytes, Content-Range and Content-Length", async () => {
		const edge = scriptedEdge([part(10, 29), FALLBACK]);
		const first = await edge.send("/resource", [["range", "bytes=10-29"]]);
		expect(first.status).toBe(206);
		edge.pass(5);
		const hit = await edge.send("/resource", [["range", "bytes=12-20"]]);
		expect(hit.status).toBe(206);
		expect(hit.text).toBe(bytes(12, 20));
		expect(hit.headers.get("content-range")).toBe("bytes 12-20/100");
		expect(hit.headers.get("content-length")).toBe("9");
		expect(hit.headers.get("age")).toBe("5");
		expect(hit.headers.get("cache-status")).toMatch(/^NeuroCache;hit/);
		expect(edge.originCalls()).toBe(1);
	});

	test("the lookup without lookupSync serves it too", async () => {
		const edge = scriptedEdge([part(10, 29), FALLBACK], { syncLookup: false });
		await edge.send("/resource", [["range", "bytes=10-29"]]);
		const hit = await edge.send("/resource", [["range", "bytes=10-29"]]);
		expect(hit.status).toBe(206);
		expect(hit.text).toBe(bytes(10, 29));
		expect(edge.originCalls()).toBe(1);
	});

	test("open and suffix ranges are resolved against the complete length", async () => {
		const edge = scriptedEdge([part(80, 99), FALLBACK]);
		await edge.send("/resource", [["range", "bytes=80-"]]);
		const open = await edge.send("/resource", [["range", "bytes=90-"]]);
		expect(open.text).toBe(bytes(90, 99));
		expect(open.headers.get("content-range")).toBe("bytes 90-99/100");
		const suffix = await edge.send("/resource", [["range", "bytes=-3"]]);
		expect(suffix.text).toBe(bytes(97, 99));
		expect(suffix.headers.get("content-range")).toBe("bytes 97-99/100");
		// A last-pos past the end is cut at the end (§14.1.2), inside the part.
		const past = await edge.send("/resource", [["range", "bytes=95-500"]]);
		expect(past.text).toBe(bytes(95, 99));
		expect(edge.originCalls()).toBe(1);
	});

	test("with the complete length unknown (`/*`), only a closed range inside is a hit", async () => {
		const edge = scriptedEdge([
			part(0, 19, [["cache-control", "max-age=60"]], "*"),
			FALLBACK,
			FALLBACK,
		]);
		await edge.send("/resource", [["range", "bytes=0-19"]]);
		const inside = await edge.send("/resource", [["range", "bytes=5-9"]]);
		expect(inside.text).toBe(bytes(5, 9));
		expect(inside.headers.get("content-range")).toBe("bytes 5-9/*");
		expect(edge.originCalls()).toBe(1);
		// Where a suffix or an open range ends depends on the length the part does not know.
		await edge.send("/resource", [["range", "bytes=-3"]]);
		await edge.send("/resource", [["range", "bytes=5-"]]);
		expect(edge.originCalls()).toBe(3);
	});

	test("a request without Range is never answered from a part: it goes forward", async () => {
		const edge = scriptedEdge([part(0, 19), WHOLE]);
		await edge.send("/resource", [["range", "bytes=0-19"]]);
		const whole = await edge.send("/resource");
		expect(whole.status).toBe(200);
		expect(whole.text).toBe(REP);
		expect(edge.originCalls()).toBe(2);
	});

	test("a HEAD is not answered from a part (Range means nothing to a HEAD)", async () => {
		const edge = scriptedEdge([part(0, 19), { fields: [["cache-control", "no-store"]], body: "" }]);
		await edge.send("/resource", [["range", "bytes=0-19"]]);
		await edge.send("/resource", [["range", "bytes=0-9"]], "HEAD");
		expect(edge.originCalls()).toBe(2);
	});

	test("a range reaching outside the part goes forward", async () => {
		const edge = scriptedEdge([part(10, 29), FALLBACK, FALLBACK, FALLBACK]);
		await edge.send("/resource", [["range", "bytes=10-29"]]);
		await edge.send("/resource", [["range", "bytes=5-15"]]);
		await edge.send("/resource", [["range", "bytes=25-35"]]);
		await edge.send("/resource", [["range", "bytes=10-29,40-49"]]);
		expect(edge.originCalls()).toBe(4);
	});

	test("a 206 whose body is not the length its Content-Range says is not stored", async () => {
		const short: ScriptedAnswer = { ...part(0, 19), body: bytes(0, 9) };
		const edge = scriptedEdge([short, FALLBACK]);
		await edge.send("/resource", [["range", "bytes=0-19"]]);
		await edge.send("/resource", [["range", "bytes=0-5"]]);
		expect(edge.originCalls()).toBe(2);
	});

	test("a multipart/byteranges 206 is not stored", async () => {
		const multipart: ScriptedAnswer = {
			status: 206,
			fields: [
				["cache-control", "max-age=60"],
				["content-type", "multipart/byteranges; boundary=B"],
			],
			body: `--B\r\nContent-Range: bytes 0-1/100\r\n\r\n${bytes(0, 1)}\r\n--B--\r\n`,
		};
		const edge = scriptedEdge([multipart, FALLBACK]);
		const first = await edge.send("/resource", [["range", "bytes=0-1,50-51"]]);
		expect(first.headers.get("cache-status")).toContain('detail="partial-content"');
		await edge.send("/resource", [["range", "bytes=0-1"]]);
		expect(edge.originCalls()).toBe(2);
	});

	test("a 206 the response forbids storing is not stored", async () => {
		const edge = scriptedEdge([part(0, 19, [["cache-control", "no-store"]]), FALLBACK]);
		await edge.send("/resource", [["range", "bytes=0-19"]]);
		await edge.send("/resource", [["range", "bytes=0-5"]]);
		expect(edge.originCalls()).toBe(2);
	});
});

describe("a stored part's freshness and validators (RFC 9111 §4.2, §4.3; RFC 9110 §13.1.5)", () => {
	const validated = [
		["cache-control", "max-age=10"],
		["etag", '"v1"'],
	] as const;

	test("a stale part is revalidated with its validators and the client's Range; a 304 serves it", async () => {
		const edge = scriptedEdge([
			part(0, 19, validated),
			{ status: 304, fields: validated, body: null },
		]);
		await edge.send("/resource", [["range", "bytes=0-19"]]);
		edge.pass(11);
		const again = await edge.send("/resource", [["range", "bytes=2-5"]]);
		const asked = edge.seenRequest(2).headers;
		expect(asked.get("if-none-match")).toBe('"v1"');
		expect(asked.get("range")).toBe("bytes=2-5");
		expect(again.status).toBe(206);
		expect(again.text).toBe(bytes(2, 5));
		expect(again.headers.get("content-range")).toBe("bytes 2-5/100");
		expect(again.headers.get("cache-status")).toContain("fwd-status=304");
		// Freshened: the next one is a plain hit.
		const hit = await edge.send("/resource", [["range", "bytes=6-7"]]);
		expect(hit.headers.get("cache-status")).toMatch(/^NeuroCache;hit/);
		expect(edge.originCalls()).toBe(2);
	});

	test("a stale part whose revalidation brings a new 206 passes it on and stores it", async () => {
		const edge = scriptedEdge([
			part(0, 19, validated),
			part(2, 5, [
				["cache-control", "max-age=10"],
				["etag", '"v2"'],
			]),
		]);
		await edge.send("/resource", [["range", "bytes=0-19"]]);
		edge.pass(11);
		const again = await edge.send("/resource", [["range", "bytes=2-5"]]);
		expect(again.status).toBe(206);
		expect(again.headers.get("etag")).toBe('"v2"');
		const hit = await edge.send("/resource", [["range", "bytes=3-4"]]);
		expect(hit.headers.get("etag")).toBe('"v2"');
		expect(hit.text).toBe(bytes(3, 4));
		expect(edge.originCalls()).toBe(2);
	});

	test("If-Range with the part's ETag is served from it; another ETag is not", async () => {
		const edge = scriptedEdge([part(0, 19, validated), FALLBACK]);
		await edge.send("/resource", [["range", "bytes=0-19"]]);
		const matching = await edge.send("/resource", [
			["range", "bytes=0-3"],
			["if-range", '"v1"'],
		]);
		expect(matching.status).toBe(206);
		expect(matching.text).toBe(bytes(0, 3));
		expect(edge.originCalls()).toBe(1);
		const other = await edge.send("/resource", [
			["range", "bytes=0-3"],
			["if-range", '"v0"'],
		]);
		expect(other.text).toBe(REP);
		expect(edge.originCalls()).toBe(2);
	});

	test("If-None-Match with the part's ETag gets a 304", async () => {
		const edge = scriptedEdge([part(0, 19, validated), FALLBACK]);
		await edge.send("/resource", [["range", "bytes=0-19"]]);
		const notModified = await edge.send("/resource", [
			["range", "bytes=0-3"],
			["if-none-match", '"v1"'],
		]);
		expect(notModified.status).toBe(304);
		expect(edge.originCalls()).toBe(1);
	});
});

describe("parts and complete responses of one key", () => {
	test("a complete 200 stored later replaces the part", async () => {
		const edge = scriptedEdge([part(0, 19), WHOLE]);
		await edge.send("/resource", [["range", "bytes=0-19"]]);
		await edge.send("/resource");
		const keys = await edge.tier.keys({ prefix: "" });
		expect(keys).toEqual(["GET http://cdn.test/resource"]);
		const hit = await edge.send("/resource", [["range", "bytes=50-59"]]);
		expect(hit.text).toBe(bytes(50, 59));
		expect(edge.originCalls()).toBe(2);
	});

	test.each([
		["its URL", { url: "http://cdn.test/resource" }],
		["a prefix", { prefix: "http://cdn.test/" }],
		["a tag", { tag: "video" }],
	])("a purge by %s drops the part", async (_, selector) => {
		const edge = scriptedEdge([
			part(0, 19, [
				["cache-control", "max-age=60"],
				["cache-tag", "video"],
			]),
			FALLBACK,
		]);
		await edge.send("/resource", [["range", "bytes=0-19"]]);
		expect(await edge.purge(selector)).toBe(1);
		await edge.send("/resource", [["range", "bytes=0-5"]]);
		expect(edge.originCalls()).toBe(2);
	});

	test("a soft purge makes the part stale: it is revalidated", async () => {
		const fields = [
			["cache-control", "max-age=60"],
			["etag", '"v1"'],
		] as const;
		const edge = scriptedEdge([part(0, 19, fields), { status: 304, fields, body: null }]);
		await edge.send("/resource", [["range", "bytes=0-19"]]);
		await edge.purge({ url: "http://cdn.test/resource", soft: true });
		const again = await edge.send("/resource", [["range", "bytes=0-5"]]);
		expect(edge.seenRequest(2).headers.get("if-none-match")).toBe('"v1"');
		expect(again.text).toBe(bytes(0, 5));
	});

	test("a part is kept per Vary variant", async () => {
		const varying = [
			["cache-control", "max-age=60"],
			["vary", "accept-language"],
		] as const;
		const edge = scriptedEdge([part(0, 19, varying), part(0, 19, varying)]);
		await edge.send("/resource", [
			["range", "bytes=0-19"],
			["accept-language", "fr"],
		]);
		await edge.send("/resource", [
			["range", "bytes=0-5"],
			["accept-language", "de"],
		]);
		expect(edge.originCalls()).toBe(2);
		const fr = await edge.send("/resource", [
			["range", "bytes=0-5"],
			["accept-language", "fr"],
		]);
		expect(fr.headers.get("cache-status")).toMatch(/^NeuroCache;hit/);
		expect(edge.originCalls()).toBe(2);
	});
});

describe("a part of one coding never answers a request for another (RFC 9110 §8.4)", () => {
	test("a gzip variant's part is not an identity request's: their offsets differ", async () => {
		const gzip = [
			["cache-control", "max-age=60"],
			["vary", "accept-encoding"],
			["content-encoding", "gzip"],
		] as const;
		const edge = scriptedEdge([part(0, 19, gzip), FALLBACK]);
		await edge.send("/resource", [
			["range", "bytes=0-19"],
			["accept-encoding", "gzip"],
		]);
		const identity = await edge.send("/resource", [
			["range", "bytes=0-5"],
			["accept-encoding", "identity"],
		]);
		expect(identity.headers.get("content-encoding")).toBeNull();
		expect(edge.originCalls()).toBe(2);
		const again = await edge.send("/resource", [
			["range", "bytes=0-5"],
			["accept-encoding", "gzip"],
		]);
		expect(again.headers.get("content-encoding")).toBe("gzip");
		expect(again.headers.get("cache-status")).toMatch(/^NeuroCache;hit/);
	});
});

describe("an object over the size gate (the reason to store parts)", () => {
	test("its 206s are stored: a seek inside one already fetched is a hit", async () => {
		const big = "x".repeat(4096);
		const edge = scriptedEdge(
			[
				// The first Range fills with a GET for the whole: too large, the key is marked.
				{ fields: [["cache-control", "max-age=60"]], body: big },
				part(10, 29),
				part(40, 59),
			],
			{ maxObjectBytes: 1024 },
		);
		await edge.send("/video", [["range", "bytes=10-29"]]);
		// Marked: the Range goes as sent, and its 206 is stored.
		await edge.send("/video", [["range", "bytes=10-29"]]);
		expect(edge.seenRequest(2).headers.get("range")).toBe("bytes=10-29");
		const hit = await edge.send("/video", [["range", "bytes=15-19"]]);
		expect(hit.text).toBe(bytes(15, 19));
		expect(edge.originCalls()).toBe(2);
		// The key stays marked: the next range elsewhere goes as sent too, not as a whole fill.
		await edge.send("/video", [["range", "bytes=40-59"]]);
		expect(edge.seenRequest(3).headers.get("range")).toBe("bytes=40-59");
		const later = await edge.send("/video", [["range", "bytes=45-46"]]);
		expect(later.text).toBe(bytes(45, 46));
		expect(edge.originCalls()).toBe(3);
	});

	test("a part over the size gate is not stored either", async () => {
		const edge = scriptedEdge(
			[
				{ fields: [["cache-control", "max-age=60"]], body: "x".repeat(4096) },
				part(0, 99),
				FALLBACK,
			],
			{ maxObjectBytes: 64 },
		);
		await edge.send("/video", [["range", "bytes=0-99"]]);
		await edge.send("/video", [["range", "bytes=0-99"]]);
		await edge.send("/video", [["range", "bytes=0-9"]]);
		expect(edge.originCalls()).toBe(3);
	});
});

describe("a 416 or 412 to a forwarded Range answers that request only (RFC 9110 §15.5.13, §15.5.17)", () => {
	const UNSATISFIABLE: ScriptedAnswer = {
		status: 416,
		fields: [
			["cache-control", "max-age=60"],
			["content-range", "bytes */100"],
		],
		body: "range not satisfiable",
	};

	/** After `edge`'s scenario, a GET without Range must reach the origin and get its 200. */
	async function plainGetIsWhole(edge: ReturnType<typeof scriptedEdge>, calls: number) {
		const whole = await edge.send("/resource");
		expect(whole.status).toBe(200);
		expect(whole.text).toBe(REP);
		expect(edge.originCalls()).toBe(calls);
	}

	test("a Range sent as-is on a key remembered uncacheable: its 416 is not stored", async () => {
		const edge = scriptedEdge([FALLBACK, UNSATISFIABLE, WHOLE]);
		await edge.send("/resource");
		const refused = await edge.send("/resource", [["range", "bytes=500-599"]]);
		expect(edge.seenRequest(2).headers.get("range")).toBe("bytes=500-599");
		expect(refused.status).toBe(416);
		await plainGetIsWhole(edge, 3);
	});

	test("an If-Match sent as-is with its Range: the 412 is not stored", async () => {
		const failed: ScriptedAnswer = {
			status: 412,
			fields: [["cache-control", "max-age=60"]],
			body: "precondition failed",
		};
		const edge = scriptedEdge([FALLBACK, failed, WHOLE]);
		await edge.send("/resource");
		const refused = await edge.send("/resource", [
			["range", "bytes=0-9"],
			["if-match", '"v0"'],
		]);
		expect(refused.status).toBe(412);
		await plainGetIsWhole(edge, 3);
	});

	const validated = [
		["cache-control", "max-age=10, stale-while-revalidate=60"],
		["etag", '"v1"'],
	] as const;

	test("a stale part revalidated with the client's Range: the 416 is not stored", async () => {
		const edge = scriptedEdge([part(10, 29, validated), UNSATISFIABLE, WHOLE]);
		await edge.send("/resource", [["range", "bytes=10-29"]]);
		edge.pass(71);
		const refused = await edge.send("/resource", [["range", "bytes=10-19"]]);
		expect(edge.seenRequest(2).headers.get("range")).toBe("bytes=10-19");
		expect(refused.status).toBe(416);
		await plainGetIsWhole(edge, 3);
	});

	test("a part refreshed in the background: the 416 is not stored", async () => {
		const edge = scriptedEdge([part(10, 29, validated), UNSATISFIABLE, WHOLE]);
		await edge.send("/resource", [["range", "bytes=10-29"]]);
		edge.pass(11);
		const stale = await edge.send("/resource", [["range", "bytes=10-19"]]);
		expect(stale.headers.get("cache-status")).toContain("stale-while-revalidate");
		expect(edge.seenRequest(2).headers.get("range")).toBe("bytes=10-29");
		await plainGetIsWhole(edge, 3);
	});
});
