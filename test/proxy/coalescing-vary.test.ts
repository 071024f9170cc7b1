import { describe, expect, test } from "bun:test";
import { makeEdge, settle } from "./edge-harness.ts";
import { deferred, heldOrigin, outcomes, until } from "./held-origin.ts";

describe("coalescing a response that varies", () => {
	test("100 misses over 4 languages: one origin request per variant, every variant stored", async () => {
		const gates = Array.from({ length: 4 }, () => deferred());
		const byLanguage = (request: Request) => {
			const language = request.headers.get("accept-language") ?? "none";
			return new Response(`in ${language}`, {
				headers: { "cache-control": "max-age=60", vary: "accept-language" },
			});
		};
		const origin = heldOrigin(gates.map((gate) => ({ gate: gate.promise, answer: byLanguage })));
		const { get, lock } = makeEdge({ fetchOrigin: origin.fetchOrigin });
		const languages = ["en", "fr", "de", "es"];
		const language = (i: number) => languages[i % 4] as string;
		const responses = Array.from({ length: 100 }, (_, i) =>
			get("/k", { "accept-language": language(i) }),
		);
		await until("99 waiters", () => lock.stats().waiting === 99);
		gates[0]?.resolve();
		// en is stored; each other language elects one writer, the rest wait on theirs.
		await origin.arrived(4);
		await until("72 waiters on 3 variants", () => lock.stats().waiting === 72);
		for (const gate of gates) gate.resolve();
		const all = await outcomes(responses);
		all.forEach((o, i) => {
			expect(o.body).toBe(`in ${language(i)}`);
		});
		expect(origin.seen).toHaveLength(4);
		expect(all.filter((o) => o.cacheStatus?.includes("collapsed"))).toHaveLength(96);
		// Counted once each, though 3 of the 24 per variant waited twice (URL, then variant).
		expect(lock.stats().coalesced).toBe(96);
		// The first writer found nothing stored; the other three found the Vary record en's
		// fill left, and not their variant (RFC 9211 §2.2: fwd=vary-miss).
		const writers = all.filter((o) => !o.cacheStatus?.includes("collapsed"));
		expect(writers.map((o) => /fwd=([a-z-]+)/.exec(o.cacheStatus ?? "")?.[1]).sort()).toEqual([
			"uri-miss",
			"vary-miss",
			"vary-miss",
			"vary-miss",
		]);
		await settle();
		for (const l of languages) {
			const stored = await get("/k", { "accept-language": l, "cache-control": "only-if-cached" });
			expect({ l, status: stored.status, body: await stored.text() }).toEqual({
				l,
				status: 200,
				body: `in ${l}`,
			});
		}
	});

	test("each variant has its own lock: a fill of one does not hold up another's revalidation", async () => {
		const frGate = deferred();
		const varying = (body: string) =>
			new Response(body, {
				headers: { "cache-control": "max-age=60", vary: "accept-language", etag: `"${body}"` },
			});
		const origin = heldOrigin([
			{ answer: () => varying("en") },
			{ gate: frGate.promise, answer: () => varying("fr") },
			{ answer: () => varying("en") },
		]);
		const { get, lock, timers } = makeEdge({ fetchOrigin: origin.fetchOrigin });
		await (await get("/k", { "accept-language": "en" })).text();
		await settle();
		timers.advance(61_000);
		const fr = Array.from({ length: 10 }, () => get("/k", { "accept-language": "fr" }));
		await origin.arrived(2);
		await until("9 waiters on fr", () => lock.stats().waiting === 9);
		// en's copy is stale: its revalidation goes out while fr's fill is still held.
		const en = get("/k", { "accept-language": "en" });
		await until("en's revalidation at the origin", () => origin.seen.length === 3);
		expect(origin.seen[2]?.headers.get("if-none-match")).toBe('"en"');
		expect(await (await en).text()).toBe("en");
		frGate.resolve();
		const all = await outcomes(fr);
		expect(all.every((o) => o.body === "fr")).toBe(true);
		expect(all.filter((o) => o.cacheStatus?.includes("collapsed"))).toHaveLength(9);
		expect(origin.seen).toHaveLength(3);
	});
});
