import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
	describeFrameError,
	encodeFrame,
	FRAME_HEADER_BYTES,
	FrameDecoder,
	type FrameError,
} from "../../cluster/transport/frame.ts";

function decodeAll(decoder: FrameDecoder, chunks: readonly Uint8Array[]) {
	const frames: number[][] = [];
	let error: FrameError | undefined;
	let maxBuffered = 0;
	for (const chunk of chunks) {
		error = decoder.push(chunk, (payload) => {
			frames.push([...payload]);
			return undefined;
		});
		maxBuffered = Math.max(maxBuffered, decoder.buffered);
		if (error !== undefined) break;
	}
	return { frames, error, maxBuffered };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
	const all = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
	let at = 0;
	for (const part of parts) {
		all.set(part, at);
		at += part.byteLength;
	}
	return all;
}

/** Splits `bytes` at the given cut points (any values; clamped and sorted). */
function cut(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
	const points = [...new Set(cuts.map((c) => c % (bytes.byteLength + 1)))].sort((a, b) => a - b);
	const chunks: Uint8Array[] = [];
	let from = 0;
	for (const point of [...points, bytes.byteLength]) {
		chunks.push(bytes.subarray(from, point));
		from = point;
	}
	return chunks;
}

describe("encodeFrame", () => {
	test("a 4-byte big-endian length, then the payload", () => {
		expect([...encodeFrame(new Uint8Array([7, 8, 9]))]).toEqual([0, 0, 0, 3, 7, 8, 9]);
		const long = encodeFrame(new Uint8Array(0x01_02_03));
		expect([...long.subarray(0, 4)]).toEqual([0, 0x01, 0x02, 0x03]);
		expect(long.byteLength).toBe(0x01_02_03 + FRAME_HEADER_BYTES);
	});
});

describe("FrameDecoder", () => {
	test("several frames in one chunk, and one frame byte by byte", () => {
		const stream = concat([encodeFrame(new Uint8Array([1])), encodeFrame(new Uint8Array([2, 3]))]);
		expect(decodeAll(new FrameDecoder(16), [stream]).frames).toEqual([[1], [2, 3]]);
		const bytes = [...stream].map((b) => new Uint8Array([b]));
		expect(decodeAll(new FrameDecoder(16), bytes).frames).toEqual([[1], [2, 3]]);
	});

	test("a frame of exactly the limit passes; one byte more is an error", () => {
		const at = decodeAll(new FrameDecoder(5), [encodeFrame(new Uint8Array(5))]);
		expect(at.error).toBeUndefined();
		expect(at.frames).toHaveLength(1);
		const over = decodeAll(new FrameDecoder(5), [encodeFrame(new Uint8Array(6))]);
		expect(over.error).toEqual({ kind: "frame-too-large", length: 6, max: 5 });
		expect(over.frames).toEqual([]);
	});

	test("a length past 2^31 is read unsigned and refused", () => {
		const error = decodeAll(new FrameDecoder(1024), [
			new Uint8Array([0xff, 0xff, 0xff, 0xff]),
		]).error;
		expect(error).toEqual({ kind: "frame-too-large", length: 0xffff_ffff, max: 1024 });
		expect(describeFrameError(error as FrameError)).toBe(
			"frame of 4294967295 bytes exceeds the limit of 1024",
		);
	});

	test("a split prefix with a huge length is refused before any body is buffered", () => {
		const decoder = new FrameDecoder(1024);
		expect(decoder.push(new Uint8Array([0x7f, 0xff]), () => undefined)).toBeUndefined();
		expect(decoder.buffered).toBe(2);
		const error = decoder.push(new Uint8Array([0xff, 0xff, 1, 2, 3]), () => undefined);
		expect(error?.kind).toBe("frame-too-large");
		expect(decoder.buffered).toBe(0);
	});

	test("an empty frame is an error; after an error nothing more is delivered", () => {
		const decoder = new FrameDecoder(16);
		const seen: number[][] = [];
		const onFrame = (p: Uint8Array) => {
			seen.push([...p]);
			return undefined;
		};
		const stream = concat([
			encodeFrame(new Uint8Array([1])),
			new Uint8Array(4),
			encodeFrame(new Uint8Array([2])),
		]);
		expect(decoder.push(stream, onFrame)).toEqual({ kind: "empty-frame" });
		expect(decoder.push(encodeFrame(new Uint8Array([3])), onFrame)).toEqual({
			kind: "empty-frame",
		});
		expect(seen).toEqual([[1]]);
	});

	test("onFrame returning false stops at that frame", () => {
		const decoder = new FrameDecoder(16);
		const seen: number[] = [];
		const stream = concat([1, 2, 3].map((b) => encodeFrame(new Uint8Array([b]))));
		decoder.push(stream, (p) => {
			seen.push(p[0] as number);
			return p[0] !== 2;
		});
		expect(seen).toEqual([1, 2]);
	});

	test("a limit raised from onFrame applies to the next frame in the same chunk", () => {
		const decoder = new FrameDecoder(2);
		const stream = concat([encodeFrame(new Uint8Array([1])), encodeFrame(new Uint8Array(5))]);
		const seen: number[] = [];
		const error = decoder.push(stream, (p) => {
			seen.push(p.byteLength);
			decoder.setMaxFrameBytes(8);
			return undefined;
		});
		expect(error).toBeUndefined();
		expect(seen).toEqual([1, 5]);
		expect(() => decoder.setMaxFrameBytes(0)).toThrow(RangeError);
	});

	test("rejects a limit that is not a positive 32-bit length", () => {
		for (const bad of [0, -1, 1.5, 2 ** 32, Number.NaN]) {
			expect(() => new FrameDecoder(bad)).toThrow(RangeError);
		}
	});

	test("property: any payloads, cut anywhere, come back whole and in order", () => {
		const max = 64;
		fc.assert(
			fc.property(
				fc.array(fc.uint8Array({ minLength: 1, maxLength: max }), { maxLength: 20 }),
				fc.array(fc.nat(), { maxLength: 30 }),
				(payloads, cuts) => {
					const stream = concat(payloads.map(encodeFrame));
					const result = decodeAll(new FrameDecoder(max), cut(stream, cuts));
					expect(result.error).toBeUndefined();
					expect(result.frames).toEqual(payloads.map((p) => [...p]));
					expect(result.maxBuffered).toBeLessThanOrEqual(FRAME_HEADER_BYTES + max);
				},
			),
			{ numRuns: 300 },
		);
	});

	test("property: an oversized length after valid frames is an error, however cut", () => {
		const max = 32;
		fc.assert(
			fc.property(
				fc.array(fc.uint8Array({ minLength: 1, maxLength: max }), { maxLength: 5 }),
				fc.integer({ min: max + 1, max: 0xffff_ffff }),
				fc.uint8Array({ maxLength: 100 }),
				fc.array(fc.nat(), { maxLength: 10 }),
				(payloads, length, trailing, cuts) => {
					const header = new Uint8Array(4);
					new DataView(header.buffer).setUint32(0, length);
					const stream = concat([...payloads.map(encodeFrame), header, trailing]);
					const result = decodeAll(new FrameDecoder(max), cut(stream, cuts));
					expect(result.error).toEqual({ kind: "frame-too-large", length, max });
					expect(result.frames).toEqual(payloads.map((p) => [...p]));
				},
			),
			{ numRuns: 300 },
		);
	});

	test("property: arbitrary bytes never make it buffer more than one largest frame", () => {
		const max = 100;
		fc.assert(
			fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (chunks) => {
				const result = decodeAll(new FrameDecoder(max), chunks);
				expect(result.maxBuffered).toBeLessThanOrEqual(FRAME_HEADER_BYTES + max);
				for (const frame of result.frames) {
					expect(frame.length).toBeGreaterThan(0);
					expect(frame.length).toBeLessThanOrEqual(max);
				}
			}),
			{ numRuns: 300 },
		);
	});
});
