/**
 * Stored parts (http/partial.ts): which 206s are kept (RFC 9111 §3.3, RFC 9110 §14.4) and
 * which Range requests a part answers (RFC 9110 §14.1.2, §14.2), with a property check that
 * every byte served from a part is the origin's byte at that offset.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
	answerFromPart,
	parseContentRange,
	type StoredPart,
	storablePart,
} from "../../edge/http/partial.ts";

describe("parseContentRange (RFC 9110 §14.4)", () => {
	test.each([
		["bytes 0-9/100", { first: 0, last: 9, complete: 100 }],
		["bytes 90-99/100", { first: 90, last: 99, complete: 100 }],
		["bytes 5-5/*", { first: 5, last: 5, complete: undefined }],
		["BYTES 1-2/3", { first: 1, last: 2, complete: 3 }],
	])("%s", (value, part) => {
		expect(parseContentRange(value)).toEqual(part);
	});

	test.each([
		["a 416's unsatisfied-range", "bytes */100"],
		["last before first", "bytes 9-0/100"],
		["a range past the complete length", "bytes 0-100/100"],
		["another unit", "items 0-9/100"],
		["no complete length", "bytes 0-9"],
		["a list", "bytes 0-9/100, bytes 20-29/100"],
		["signs", "bytes -1-9/100"],
		["sixteen digits", "bytes 0-1234567890123456/*"],
	])("%s is not one", (_, value) => {
		expect(parseContentRange(value)).toBeUndefined();
	});
});

describe("storablePart (RFC 9111 §3.3)", () => {
	const headers = (fields: Record<string, string>) => new Headers(fields);

	test("a single range whose Content-Length agrees", () => {
		expect(
			storablePart(headers({ "content-range": "bytes 0-9/100", "content-length": "10" })),
		).toEqual({ first: 0, last: 9, complete: 100 });
	});

	test("a Content-Length that disagrees with the range is not kept", () => {
		expect(
			storablePart(headers({ "content-range": "bytes 0-9/100", "content-length": "5" })),
		).toBeUndefined();
	});

	test("multipart/byteranges is not kept, whatever else it says", () => {
		expect(
			storablePart(
				headers({
					"content-type": "multipart/byteranges; boundary=B",
					"content-range": "bytes 0-9/100",
				}),
			),
		).toBeUndefined();
	});

	test("no Content-Range, nothing to keep", () => {
		expect(storablePart(headers({}))).toBeUndefined();
	});
});

describe("answerFromPart (RFC 9110 §14.1.2, RFC 9111 §3.3)", () => {
	const part: StoredPart = { first: 40, last: 59, complete: 100 };

	test.each([
		["a closed range inside", "bytes=45-49", { start: 5, end: 9, contentRange: "bytes 45-49/100" }],
		["the whole part", "bytes=40-59", { start: 0, end: 19, contentRange: "bytes 40-59/100" }],
		[
			"ranges that coalesce into one inside",
			"bytes=41-42,44-45",
			{ start: 1, end: 5, contentRange: "bytes 41-45/100" },
		],
	])("%s", (_, range, answer) => {
		expect(answerFromPart(range, part)).toMatchObject(answer);
	});

	test("open and suffix ranges resolve against the complete length", () => {
		const tail: StoredPart = { first: 90, last: 99, complete: 100 };
		expect(answerFromPart("bytes=95-", tail)).toMatchObject({ start: 5, end: 9 });
		expect(answerFromPart("bytes=-3", tail)).toMatchObject({
			start: 7,
			end: 9,
			contentRange: "bytes 97-99/100",
			contentLength: 3,
		});
		expect(answerFromPart("bytes=95-1000", tail)).toMatchObject({ start: 5, end: 9 });
	});

	test.each([
		["starting before it", "bytes=39-45"],
		["ending after it", "bytes=50-60"],
		["open, so running past it", "bytes=50-"],
		["a suffix past its start", "bytes=-61"],
		["two ranges apart", "bytes=40-41,200-201"],
		["unsatisfiable: left to the origin", "bytes=100-"],
		["invalid", "bytes=a-b"],
		["another unit", "items=40-41"],
	])("no answer for a range %s", (_, range) => {
		expect(answerFromPart(range, part)).toBeUndefined();
	});

	test("with the complete length unknown, only a closed range is definite", () => {
		const unknown: StoredPart = { first: 0, last: 19, complete: undefined };
		expect(answerFromPart("bytes=2-5", unknown)).toMatchObject({
			start: 2,
			end: 5,
			contentRange: "bytes 2-5/*",
		});
		expect(answerFromPart("bytes=2-", unknown)).toBeUndefined();
		expect(answerFromPart("bytes=-2", unknown)).toBeUndefined();
	});
});

/** A representation, a part of it the origin sent, and a Range field a client sends. */
const scenario = fc
	.record({
		length: fc.integer({ min: 1, max: 300 }),
		knownLength: fc.boolean(),
		cuts: fc.tuple(fc.nat(), fc.nat()),
		range: fc.oneof(
			fc
				.tuple(fc.nat(400), fc.option(fc.nat(400), { nil: undefined }))
				.map(([a, b]) =>
					b === undefined ? `bytes=${a}-` : `bytes=${Math.min(a, b)}-${Math.max(a, b)}`,
				),
			fc.nat(400).map((n) => `bytes=-${n}`),
			fc
				.array(fc.tuple(fc.nat(400), fc.nat(400)), { minLength: 1, maxLength: 4 })
				.map(
					(pairs) =>
						`bytes=${pairs.map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`).join(",")}`,
				),
		),
	})
	.map(({ length, knownLength, cuts, range }) => {
		const first = cuts[0] % length;
		const last = first + (cuts[1] % (length - first));
		const origin = Uint8Array.from({ length }, (_, i) => (i * 131 + 7) % 256);
		const part: StoredPart = { first, last, complete: knownLength ? length : undefined };
		return { origin, part, body: origin.subarray(first, last + 1), range };
	});

describe("a part serves the origin's bytes (property)", () => {
	test("every byte served from a part equals the origin's byte at its offset", () => {
		fc.assert(
			fc.property(scenario, ({ origin, part, body, range }) => {
				const answer = answerFromPart(range, part);
				if (answer === undefined) return;
				const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(answer.contentRange);
				expect(match).not.toBeNull();
				const from = Number(match?.[1]);
				const to = Number(match?.[2]);
				expect(match?.[3]).toBe(part.complete === undefined ? "*" : String(origin.length));
				const served = body.subarray(answer.start, answer.end + 1);
				expect(served.byteLength).toBe(answer.contentLength);
				expect(to - from + 1).toBe(answer.contentLength);
				expect([...served]).toEqual([...origin.subarray(from, to + 1)]);
			}),
			{ numRuns: 2000 },
		);
	});

	test("an answer never reaches outside the part", () => {
		fc.assert(
			fc.property(scenario, ({ part, range }) => {
				const answer = answerFromPart(range, part);
				if (answer === undefined) return;
				expect(answer.start).toBeGreaterThanOrEqual(0);
				expect(answer.end).toBeLessThanOrEqual(part.last - part.first);
				expect(answer.start).toBeLessThanOrEqual(answer.end);
			}),
			{ numRuns: 2000 },
		);
	});

	test("a single closed range inside the part is always answered, with exactly its bytes", () => {
		fc.assert(
			fc.property(scenario, fc.nat(), fc.nat(), ({ origin, part, body }, a, b) => {
				const size = part.last - part.first + 1;
				const from = part.first + (a % size);
				const to = from + (b % (part.last - from + 1));
				const answer = answerFromPart(`bytes=${from}-${to}`, part);
				expect(answer).toBeDefined();
				if (answer === undefined) return;
				expect([...body.subarray(answer.start, answer.end + 1)]).toEqual([
					...origin.subarray(from, to + 1),
				]);
			}),
			{ numRuns: 2000 },
		);
	});
});
