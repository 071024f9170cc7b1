/**
 * Requests the edge answers instead of forwarding: one that comes back to the instance it
 * went out from (CDN-Loop, RFC 8586), a TRACE, and an OPTIONS whose Max-Forwards is spent
 * (RFC 9110 §7.6.2). In process, with the edge's own app as an origin to make the loop.
 */
import { describe, expect, test } from "bun:test";
import type { OriginFetch } from "../../edge/proxy/origin-fetch.ts";
import { makeEdge } from "./edge-harness.ts";

/** An edge whose origin is itself, as an operator's typo in --origin would make it. */
function selfLoopingEdge(hopName = "self1") {
	const lines: string[] = [];
	const passes: Request[] = [];
	let edgeApp: { fetch(request: Request): Response | Promise<Response> } | undefined;
	const loopBack: OriginFetch = async (request) => {
		passes.push(request);
		if (edgeApp === undefined) throw new Error("the edge is not built yet");
		return edgeApp.fetch(request);
	};
	const harness = makeEdge({ fetchOrigin: loopBack, hopName, log: (line) => lines.push(line) });
	edgeApp = harness.app;
	return { ...harness, lines, passes };
}

describe("a request that comes back to the edge it went out from", () => {
	test.each(["GET", "HEAD", "POST", "DELETE"])(
		"%s: refused with a 508 on its second pass, not forwarded again",
		async (method) => {
			const { get, passes, lines, lock } = selfLoopingEdge();
			const response = await get("/pages/loop", {}, method);
			expect(response.status).toBe(508);
			expect(response.headers.get("cache-status")).toContain("fwd=bypass");
			if (method !== "HEAD")
				expect(await response.text()).toBe(
					"request loop: this request already passed through this edge\n",
				);
			// The first pass went out once, carrying this edge's member; the second was refused.
			expect(passes.map((request) => request.headers.get("cdn-loop"))).toEqual([
				"neurocache; edge=self1",
			]);
			// A HEAD that misses fills the key with a GET, so a GET is what came back.
			const cameBack = method === "HEAD" ? "GET" : method;
			expect(lines).toEqual([
				expect.stringMatching(
					new RegExp(`^WARN request loop: ${cameBack} http://cdn\\.test/pages/loop came back`),
				),
			]);
			// Nothing is left waiting: the first pass's turn on the key ended with its answer.
			expect(lock.stats()).toMatchObject({ locksHeld: 0, waiting: 0 });
		},
	);

	test("a GET that must go forward at once (request no-cache) is refused too", async () => {
		const { get, passes } = selfLoopingEdge();
		const noCache = await get("/pages/nc", { "cache-control": "no-cache" });
		expect(noCache.status).toBe(508);
		expect(passes).toHaveLength(1);
	});

	test("a chain of two edges is no loop: the origin sees both members, in order", async () => {
		const seen: (string | null)[] = [];
		const back = makeEdge({
			hopName: "back1",
			fetchOrigin: async (request) => {
				seen.push(request.headers.get("cdn-loop"));
				return new Response("from origin", { headers: { "cache-control": "max-age=60" } });
			},
		});
		const front = makeEdge({
			hopName: "front1",
			fetchOrigin: async (request) => back.app.fetch(request),
		});
		const response = await front.get("/pages/chained", { "cdn-loop": "othercdn" });
		expect(response.status).toBe(200);
		expect(await response.text()).toBe("from origin");
		expect(seen).toEqual(["othercdn, neurocache; edge=front1, neurocache; edge=back1"]);
	});

	test("another instance's member passes: only this one's own name is a loop", async () => {
		const { get, passes } = selfLoopingEdge("mine");
		// The loop-back origin would answer 508 on the second pass; the first must go out.
		const response = await get("/pages/other", { "cdn-loop": "neurocache; edge=theirs" });
		expect(passes.map((request) => request.headers.get("cdn-loop"))).toEqual([
			"neurocache; edge=theirs, neurocache; edge=mine",
		]);
		expect(response.status).toBe(508);
	});
});

describe("methods the edge answers itself", () => {
	function countingEdge() {
		const sent: Request[] = [];
		const harness = makeEdge({
			fetchOrigin: async (request) => {
				sent.push(request);
				return new Response("origin", { status: 200 });
			},
		});
		return { ...harness, sent };
	}

	test("TRACE is a 501 and never reaches the origin (Fetch forbids it; Bun drops its body)", async () => {
		const { get, sent } = countingEdge();
		for (const maxForwards of [undefined, "0", "5"]) {
			const headers: Record<string, string> =
				maxForwards === undefined ? {} : { "max-forwards": maxForwards };
			const response = await get("/pages/t", headers, "TRACE");
			expect(response.status).toBe(501);
			expect(await response.text()).toBe("TRACE is not implemented\n");
		}
		expect(sent).toEqual([]);
	});

	test("OPTIONS with Max-Forwards 0 is answered here: 200, Allow, no content", async () => {
		const { get, sent } = countingEdge();
		const response = await get("/pages/o", { "max-forwards": "0" }, "OPTIONS");
		expect(response.status).toBe(200);
		expect(response.headers.get("allow")).toBe("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
		expect(response.headers.get("content-length")).toBe("0");
		expect(await response.text()).toBe("");
		expect(sent).toEqual([]);
	});

	test("OPTIONS with a higher Max-Forwards goes on one lower; without one, or invalid, as it came", async () => {
		const { get, sent } = countingEdge();
		for (const maxForwards of ["3", "abc"]) {
			const response = await get("/pages/o", { "max-forwards": maxForwards }, "OPTIONS");
			expect(response.status).toBe(200);
		}
		await get("/pages/o", {}, "OPTIONS");
		expect(sent.map((request) => request.headers.get("max-forwards"))).toEqual(["2", "abc", null]);
	});

	test("Max-Forwards on other methods is passed on untouched (§7.6.2 lets them ignore it)", async () => {
		const { get, sent } = countingEdge();
		const response = await get("/pages/p", { "max-forwards": "0" }, "POST");
		expect(response.status).toBe(200);
		expect(sent.map((request) => request.headers.get("max-forwards"))).toEqual(["0"]);
	});
});
