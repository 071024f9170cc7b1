/**
 * A part and the complete response of one key, when their origin answers cross: the part's
 * request left first, the complete response committed, then the part's answer arrived.
 * RFC 9111 §3.3: the part is of a response no newer than the complete one, which answers
 * every range now; it must not be left beside it, to answer once the complete one is gone.
 */
import { expect, test } from "bun:test";
import { makeEdge, settle } from "./edge-harness.ts";

const REP = "0123456789abcdefghijklmnopqrstuvwxyz".repeat(3);
const PRIMARY = "GET http://cdn.test/video";

test("a part whose answer commits after the complete response's is not kept beside it", async () => {
	let answerPart: (response: Response) => void = () => {};
	const script: (() => Response | Promise<Response>)[] = [
		// Marks the key uncacheable: the next Range goes to the origin as the client sent it.
		() => new Response(REP, { headers: { "cache-control": "no-store" } }),
		() => new Promise<Response>((resolve) => (answerPart = resolve)),
		() =>
			new Response(REP, {
				headers: { "cache-control": "max-age=60", etag: '"v2"', "cache-tag": "v2" },
			}),
	];
	const edge = makeEdge({
		fetchOrigin: async () => {
			const next = script.shift();
			if (next === undefined) return new Response("unscripted", { status: 599 });
			return next();
		},
	});
	await (await edge.get("/video")).text();
	await settle();
	const ranged = edge.get("/video", { range: "bytes=0-9" });
	await settle();
	const whole = await edge.get("/video");
	expect(await whole.text()).toBe(REP);
	await settle();
	expect(await edge.tier.keys({ prefix: "" })).toEqual([PRIMARY]);
	// The part's answer, of the representation before "v2", arrives last.
	answerPart(
		new Response("OLD-BYTES!", {
			status: 206,
			headers: {
				"content-range": `bytes 0-9/${REP.length}`,
				"cache-control": "max-age=600",
				etag: '"v1"',
			},
		}),
	);
	expect(await (await ranged).text()).toBe("OLD-BYTES!");
	await settle();
	expect(await edge.tier.keys({ prefix: "" })).toEqual([PRIMARY]);
	// The complete response goes (its tag purged): the range is not answered from "v1".
	expect(await edge.edge.purge({ tag: "v2" })).toBe(1);
	const after = await edge.get("/video", { range: "bytes=0-4" });
	expect(after.headers.get("cache-status")).not.toMatch(/^NeuroCache;hit/);
});
