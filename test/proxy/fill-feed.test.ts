import { describe, expect, test } from "bun:test";
import { FillFeed, type FillHead, HELD_READ_BYTES } from "../../edge/proxy/fill-feed.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

function feedOf(length: number): FillFeed {
	const head: FillHead = {
		storageKey: "k",
		stored: { status: 200, headers: [], requestTimeMs: 0, responseTimeMs: 0 },
		vary: { kind: "none" },
		variant: "",
		length,
		overtaken: () => false,
	};
	return new FillFeed(head);
}

/** A new follower's body. */
function follow(feed: FillFeed): ReadableStream<Uint8Array> {
	const seat = feed.join();
	if (seat === undefined) throw new Error("the feed is sealed");
	return seat.body();
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
	return new Response(stream).text();
}

describe("FillFeed", () => {
	test("a follower from the start and one from the middle both read the body whole", async () => {
		const feed = feedOf(11);
		const early = readAll(follow(feed));
		feed.push(bytes("hello "));
		const late = readAll(follow(feed));
		feed.push(bytes("world"));
		feed.end();
		expect(await early).toBe("hello world");
		expect(await late).toBe("hello world");
		expect(await readAll(follow(feed))).toBe("hello world");
		expect(feed.state).toBe("done");
	});

	test("while the writer's buffer holds the body, followers read it there, in bounded pieces, and no chunk is kept", async () => {
		const length = 2 * HELD_READ_BYTES + 10;
		const buffer = new Uint8Array(length).map((_, i) => i & 0xff);
		const feed = feedOf(length);
		const early = follow(feed);
		const half = HELD_READ_BYTES + 5;
		feed.push(buffer.slice(0, half), buffer.subarray(0, half));
		feed.push(buffer.slice(half), buffer.subarray(0, length));
		feed.end();
		expect(feed.heldChunks).toBe(0);
		const reader = follow(feed).getReader();
		const sizes: number[] = [];
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			sizes.push(value.byteLength);
			expect(value.buffer).toBe(buffer.buffer);
		}
		expect(sizes).toEqual([HELD_READ_BYTES, HELD_READ_BYTES, 10]);
		expect(new Uint8Array(await new Response(early).arrayBuffer())).toEqual(buffer);
	});

	test("once the writer's buffer stops covering the body, the rest is kept, and a late follower reads both", async () => {
		const feed = feedOf(11);
		const writerBuffer = bytes("hello ");
		feed.push(bytes("hel"), writerBuffer.subarray(0, 3));
		feed.push(bytes("lo "), writerBuffer.subarray(0, 6));
		expect(feed.heldChunks).toBe(0);
		// The writer refused here: it hands no buffer, and never again counts.
		feed.push(bytes("wor"));
		feed.push(bytes("ld"), bytes("hello world"));
		expect(feed.heldChunks).toBe(2);
		feed.end();
		expect(await readAll(follow(feed))).toBe("hello world");
		feed.seal();
		expect(feed.heldChunks).toBe(0);
	});

	test("a follower gets each chunk as it comes, not at the end", async () => {
		const feed = feedOf(6);
		const reader = follow(feed).getReader();
		const first = reader.read();
		feed.push(bytes("abc"));
		expect(new TextDecoder().decode((await first).value)).toBe("abc");
		feed.push(bytes("def"));
		expect(new TextDecoder().decode((await reader.read()).value)).toBe("def");
		feed.end();
		expect((await reader.read()).done).toBe(true);
	});

	test("a failure errors every follower, those caught up and those behind", async () => {
		const feed = feedOf(100);
		feed.push(bytes("partial"));
		const outcome = (read: Promise<unknown>) =>
			read.then(
				() => "read",
				(error: Error) => error.message,
			);
		const behind = outcome(readAll(follow(feed)));
		const caughtUp = follow(feed).getReader();
		await caughtUp.read();
		const waiting = outcome(caughtUp.read());
		feed.fail("origin reset");
		expect(await waiting).toBe("fill failed: origin reset");
		expect(await behind).toBe("fill failed: origin reset");
		await expect(readAll(follow(feed))).rejects.toThrow("fill failed");
	});

	test("a body longer than its Content-Length fails the feed", async () => {
		const feed = feedOf(4);
		const follower = readAll(follow(feed));
		feed.push(bytes("abc"));
		feed.push(bytes("de"));
		expect(feed.state).toBe("failed");
		await expect(follower).rejects.toThrow("longer than its Content-Length (4)");
	});

	test("a body that ends short of its Content-Length fails the feed", async () => {
		const feed = feedOf(10);
		const follower = readAll(follow(feed));
		feed.push(bytes("abc"));
		feed.end();
		await expect(follower).rejects.toThrow("body of 3 bytes, its Content-Length says 10");
	});

	test("a follower that stops reading leaves the others and the feed as they were", async () => {
		const feed = feedOf(6);
		const quitter = follow(feed);
		const stayer = readAll(follow(feed));
		await quitter.cancel("client left");
		feed.push(bytes("abcdef"));
		feed.end();
		expect(await stayer).toBe("abcdef");
		// After the end, pushes and failures change nothing.
		feed.push(bytes("x"));
		feed.fail("late");
		expect(feed.state).toBe("done");
		expect(feed.received).toBe(6);
	});

	test("once sealed, no one joins, and each chunk goes when every follower has read it", async () => {
		const feed = feedOf(9);
		const fast = feed.join()?.body().getReader();
		const slow = feed.join()?.body().getReader();
		const idle = feed.join();
		if (fast === undefined || slow === undefined || idle === undefined) throw new Error("sealed");
		for (const piece of ["abc", "def", "ghi"]) feed.push(bytes(piece));
		await fast.read();
		await fast.read();
		await slow.read();
		// Unsealed, all is kept: someone may still join from the first byte.
		expect(feed.heldChunks).toBe(3);
		feed.seal();
		expect(feed.join()).toBeUndefined();
		// The idle seat (a 304, say) holds everything until it leaves.
		expect(feed.heldChunks).toBe(3);
		idle.leave();
		expect(feed.heldChunks).toBe(2); // "abc" is read by both readers
		await slow.read();
		expect(feed.heldChunks).toBe(1);
		feed.end();
		expect(new TextDecoder().decode((await fast.read()).value)).toBe("ghi");
		expect(new TextDecoder().decode((await slow.read()).value)).toBe("ghi");
		expect(feed.heldChunks).toBe(0);
		expect((await fast.read()).done).toBe(true);
		expect((await slow.read()).done).toBe(true);
	});

	test("sealed with no follower left, what still arrives is not kept", () => {
		const feed = feedOf(6);
		feed.seal();
		feed.push(bytes("abc"));
		feed.push(bytes("def"));
		expect(feed.heldChunks).toBe(0);
		feed.end();
		expect(feed.state).toBe("done");
	});

	test("a follower that cancels its body gives up its seat", async () => {
		const feed = feedOf(6);
		const body = follow(feed);
		feed.push(bytes("abc"));
		feed.seal();
		expect(feed.heldChunks).toBe(1);
		await body.cancel("client left");
		expect(feed.heldChunks).toBe(0);
	});
});
