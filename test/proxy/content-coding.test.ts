/**
 * Content codings in Accept-Encoding variants: the variant key holds the stored codings a
 * client accepts, so every body stored there must be one all of those clients decode, even
 * from an origin that ignores the Accept-Encoding it was sent.
 */
import { describe, expect, test } from "bun:test";
import type { OriginFetch } from "../../edge/proxy/origin-fetch.ts";
import { makeEdge, settle } from "./edge-harness.ts";

/** An origin that answers gzip whatever it was asked, and says the answer varies. */
function gzipAlways(): { fetchOrigin: OriginFetch; calls: () => number } {
	let calls = 0;
	const fetchOrigin: OriginFetch = async () => {
		calls++;
		return new Response(Bun.gzipSync(new TextEncoder().encode("hello")), {
			headers: {
				"cache-control": "max-age=600",
				"content-encoding": "gzip",
				"content-type": "text/plain",
				vary: "Accept-Encoding",
			},
		});
	};
	return { fetchOrigin, calls: () => calls };
}

describe("an origin that ignores Accept-Encoding", () => {
	test("its gzip body is not stored in a variant whose clients accept only identity", async () => {
		const origin = gzipAlways();
		const { get } = makeEdge({ fetchOrigin: origin.fetchOrigin });
		const first = await get("/page", { "accept-encoding": "zstd" });
		// The client whose request it answered still gets it, as the origin chose.
		expect(first.headers.get("content-encoding")).toBe("gzip");
		expect(first.headers.get("cache-status")).toContain('detail="coding-not-accepted"');
		await first.arrayBuffer();
		await settle();
		const identityOnly = await get("/page", { "accept-encoding": "identity" });
		expect(identityOnly.headers.get("cache-status")).not.toContain("hit");
		expect(origin.calls()).toBe(2);
	});

	test("a body in a coding the clients accept is stored and served as usual", async () => {
		const origin = gzipAlways();
		const { get } = makeEdge({ fetchOrigin: origin.fetchOrigin });
		await (await get("/page", { "accept-encoding": "gzip, deflate" })).arrayBuffer();
		await settle();
		const again = await get("/page", { "accept-encoding": "gzip" });
		expect(again.headers.get("cache-status")).toContain("hit");
		expect(again.headers.get("content-encoding")).toBe("gzip");
		expect(origin.calls()).toBe(1);
	});
});
