import { describe, expect, test } from "bun:test";
import { outcomeOfCommit, outcomeOfSkip } from "../../edge/proxy/fill-outcome.ts";

describe("what a fill tells the requests waiting on it", () => {
	test.each([
		[200, "no-store", "uncacheable"],
		[200, "private", "uncacheable"],
		[200, "vary-star", "uncacheable"],
		[200, "must-understand", "uncacheable"],
		// Errors are not remembered, whatever they say about caching, and no one queues for
		// the next try: waiters go forward at once.
		[503, "no-store", "error"],
		[500, "no-freshness", "error"],
		// Not storable next time either: a dynamic page's cookie, a status without explicit
		// freshness, a body over the gate. The key skips the queue a while.
		[200, "set-cookie", "uncacheable"],
		[403, "no-freshness", "uncacheable"],
		[200, "too-large", "uncacheable"],
		[200, "too-many-tags", "uncacheable"],
		// Of the moment or of this request: waiters go forward, nothing is remembered.
		[200, "authorization", "not-stored"],
		[200, "request-no-store", "not-stored"],
		[200, "no-room", "not-stored"],
	] as const)("%p not stored for %p: %p", (status, reason, outcome) => {
		expect(outcomeOfSkip(status, reason)).toBe(outcome);
	});

	test.each([
		[{ stored: true }, "filled"],
		[{ stored: false, reason: "too-large" }, "uncacheable"],
		[{ stored: false, reason: "no-room" }, "not-stored"],
		[{ stored: false, reason: "length-mismatch" }, "failed"],
		[{ stored: false, reason: "aborted" }, "failed"],
	] as const)("a fill that ends %p: %p", (result, outcome) => {
		expect(outcomeOfCommit(result)).toBe(outcome);
	});
});
