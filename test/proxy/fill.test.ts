import { describe, expect, test } from "bun:test";
import { fillWhileStreaming } from "../../edge/proxy/fill.ts";
import { ManualClock } from "../../edge/store/clock.ts";
import { MemoryTier } from "../../edge/store/memory.ts";
import type { ObjectMeta } from "../../edge/store/storage.ts";
import { TsSlab } from "../../native/slab-ts.ts";

const meta: ObjectMeta = {
	expiresAt: Number.POSITIVE_INFINITY,
	tags: [],
	header: new Uint8Array(0),
};
const bytes = (text: string) => new TextEncoder().encode(text);

function makeTier(maxObjectBytes = 1 << 20) {
	return new MemoryTier({
		slab: new TsSlab({ capacityBytes: 2 << 20 }),
		clock: new ManualClock(),
		maxObjectBytes,
	});
}

/** An origin body we feed by hand, to interleave client reads and origin chunks. */
function originStream() {
	let controller!: ReadableStreamDefaultController<Uint8Array>;
	const stream = new ReadableStream<Uint8Array>({
		start(c) {
			controller = c;
		},
	});
	return { stream, controller };
}

/** A FillWatch that writes down what it sees. */
function recordingWatch(follows: boolean) {
	const seen: string[] = [];
	const watch = {
		follows,
		chunk: (chunk: Uint8Array) => seen.push(new TextDecoder().decode(chunk)),
		end: () => seen.push("<end>"),
		fail: () => seen.push("<fail>"),
	};
	return { seen, watch };
}

describe("fillWhileStreaming", () => {
	test("the client gets chunks as they come; the tier's copy appears only at the end", async () => {
		const tier = makeTier();
		const origin = originStream();
		const fill = fillWhileStreaming(origin.stream, tier.beginWrite("k", meta));
		const client = fill.clientBody.getReader();
		origin.controller.enqueue(bytes("hello "));
		expect(new TextDecoder().decode((await client.read()).value)).toBe("hello ");
		expect(tier.has("k")).toBe(false);
		origin.controller.enqueue(bytes("world"));
		origin.controller.close();
		expect(new TextDecoder().decode((await client.read()).value)).toBe("world");
		expect((await client.read()).done).toBe(true);
		expect(await fill.stored).toEqual({ stored: true });
		expect(new TextDecoder().decode(tier.get("k"))).toBe("hello world");
	});

	test("an origin that dies mid-body fails the client and stores nothing", async () => {
		const tier = makeTier();
		const origin = originStream();
		const fill = fillWhileStreaming(origin.stream, tier.beginWrite("k", meta));
		origin.controller.enqueue(bytes("partial"));
		origin.controller.error(new Error("origin reset"));
		const client = fill.clientBody.getReader();
		await expect(
			(async () => {
				for (;;) if ((await client.read()).done) return "ended cleanly";
			})(),
		).rejects.toThrow("origin reset");
		expect(await fill.stored).toEqual({ stored: false, reason: "aborted" });
		expect(tier.has("k")).toBe(false);
		expect(tier.stats().bytes).toBe(0);
	});

	test("a client that goes away does not stop the fill", async () => {
		const tier = makeTier();
		const origin = originStream();
		const fill = fillWhileStreaming(origin.stream, tier.beginWrite("k", meta));
		// As a server does when the client disconnects. Not awaited: per the Streams spec a
		// tee branch's cancel settles only when the other branch is done too.
		void fill.clientBody.cancel("client left");
		origin.controller.enqueue(bytes("still "));
		origin.controller.enqueue(bytes("stored"));
		origin.controller.close();
		expect(await fill.stored).toEqual({ stored: true });
		expect(new TextDecoder().decode(tier.get("k"))).toBe("still stored");
	});

	test("a body over the byte gate streams through to the client uncached", async () => {
		const tier = makeTier(8);
		const origin = originStream();
		const fill = fillWhileStreaming(origin.stream, tier.beginWrite("k", meta));
		origin.controller.enqueue(bytes("12345"));
		origin.controller.enqueue(bytes("67890"));
		origin.controller.enqueue(bytes("abc"));
		origin.controller.close();
		expect(await new Response(fill.clientBody).text()).toBe("1234567890abc");
		expect(await fill.stored).toEqual({ stored: false, reason: "too-large" });
		expect(tier.has("k")).toBe(false);
	});

	test("a watcher that follows the body gets all of it even after the tier refused it", async () => {
		const tier = makeTier(8);
		const origin = originStream();
		const { seen, watch } = recordingWatch(true);
		const fill = fillWhileStreaming(origin.stream, tier.beginWrite("k", meta), watch);
		origin.controller.enqueue(bytes("12345"));
		origin.controller.enqueue(bytes("67890"));
		// The tier's answer is known before the body's end.
		expect(await fill.stored).toEqual({ stored: false, reason: "too-large" });
		origin.controller.enqueue(bytes("abc"));
		origin.controller.close();
		expect(await new Response(fill.clientBody).text()).toBe("1234567890abc");
		expect(seen).toEqual(["12345", "67890", "abc", "<end>"]);
		expect(tier.has("k")).toBe(false);
	});

	test("a watcher sees a body that breaks off as a failure", async () => {
		const tier = makeTier();
		const origin = originStream();
		const { seen, watch } = recordingWatch(false);
		const fill = fillWhileStreaming(origin.stream, tier.beginWrite("k", meta), watch);
		origin.controller.enqueue(bytes("part"));
		// The chunk is read before the origin fails (an error drops what is still queued).
		for (let i = 0; i < 10 && seen.length === 0; i++) await Promise.resolve();
		expect(seen).toEqual(["part"]);
		origin.controller.error(new Error("origin reset"));
		expect(await fill.stored).toEqual({ stored: false, reason: "aborted" });
		expect(seen).toEqual(["part", "<fail>"]);
		await fill.clientBody.cancel().catch(() => {});
	});
});
