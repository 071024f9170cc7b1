import { describe, expect, test } from "bun:test";
import {
	decodeMeta,
	encodeMeta,
	metaHeaderView,
	metaHeaderViewAt,
} from "../../edge/store/meta-codec.ts";

const bytes = (...values: number[]) => new Uint8Array(values);

describe("encodeMeta and decodeMeta", () => {
	test("no tags and an empty header encode to no bytes and decode back", () => {
		const encoded = encodeMeta({ tags: [], header: new Uint8Array(0) });
		expect(encoded.byteLength).toBe(0);
		const meta = decodeMeta(encoded, 1234);
		expect(meta.expiresAt).toBe(1234);
		expect(meta.tags).toEqual([]);
		expect(meta.header.byteLength).toBe(0);
	});

	test("the layout is a big-endian u32 tag length, the tags joined by newlines, then the header", () => {
		const encoded = encodeMeta({ tags: ["a", "bc"], header: bytes(0, 255) });
		expect([...encoded]).toEqual([0, 0, 0, 4, 97, 10, 98, 99, 0, 255]);
	});

	test("tags with non-ASCII text and a binary header with zero bytes round trip", () => {
		const tags = ["product:42", "café", "日本語", "🚀 launch"];
		const header = bytes(0, 0, 1, 0, 255, 128, 0);
		const meta = decodeMeta(encodeMeta({ tags, header }), Number.POSITIVE_INFINITY);
		expect(meta.tags).toEqual(tags);
		expect([...meta.header]).toEqual([0, 0, 1, 0, 255, 128, 0]);
		expect(meta.expiresAt).toBe(Number.POSITIVE_INFINITY);
	});

	test("tags without a header, and a header without tags, round trip", () => {
		const tagsOnly = decodeMeta(encodeMeta({ tags: ["x"], header: new Uint8Array(0) }), 1);
		expect(tagsOnly.tags).toEqual(["x"]);
		expect(tagsOnly.header.byteLength).toBe(0);
		const headerOnly = decodeMeta(encodeMeta({ tags: [], header: bytes(0, 7) }), 2);
		expect(headerOnly.tags).toEqual([]);
		expect([...headerOnly.header]).toEqual([0, 7]);
	});

	test("decodes a record that sits at an offset inside a larger buffer", () => {
		const record = encodeMeta({ tags: ["t1", "t2"], header: bytes(9, 8, 7) });
		const arena = new Uint8Array(record.byteLength + 13).fill(0xee);
		arena.set(record, 5);
		const meta = decodeMeta(arena.subarray(5, 5 + record.byteLength), 0);
		expect(meta.tags).toEqual(["t1", "t2"]);
		expect([...meta.header]).toEqual([9, 8, 7]);
	});

	test("the decoded header is a copy: changing the source bytes afterwards leaves it alone", () => {
		const encoded = encodeMeta({ tags: ["t"], header: bytes(1, 2, 3) });
		const meta = decodeMeta(encoded, 0);
		encoded.fill(0);
		expect([...meta.header]).toEqual([1, 2, 3]);
		expect(meta.tags).toEqual(["t"]);
	});

	test("encodeMeta refuses a tag containing a newline or an empty tag", () => {
		const header = new Uint8Array(0);
		expect(() => encodeMeta({ tags: ["a\nb"], header })).toThrow(RangeError);
		expect(() => encodeMeta({ tags: ["ok", ""], header })).toThrow(RangeError);
		expect(() => encodeMeta({ tags: ["ok", ""], header })).toThrow(/invalid purge tag ""/);
	});

	test("decodeMeta refuses a record shorter than its length prefix", () => {
		for (const short of [bytes(0), bytes(0, 0), bytes(0, 0, 0)]) {
			expect(() => decodeMeta(short, 0)).toThrow(RangeError);
			expect(() => decodeMeta(short, 0)).toThrow(/shorter than its length prefix/);
		}
	});

	test("decodeMeta refuses a tag length that runs past the record", () => {
		// Claims 5 tag bytes, holds 4.
		const overrun = bytes(0, 0, 0, 5, 97, 98, 99, 100);
		expect(() => decodeMeta(overrun, 0)).toThrow(RangeError);
		expect(() => decodeMeta(overrun, 0)).toThrow(/overruns the record/);
		// Exactly filling the record is fine.
		expect(decodeMeta(bytes(0, 0, 0, 4, 97, 98, 99, 100), 0).tags).toEqual(["abcd"]);
	});
});

describe("metaHeaderViewAt: the header of a record inside a larger span", () => {
	test("reads the record at its offset, whatever lies around it", () => {
		const record = encodeMeta({ tags: ["a", "bc"], header: bytes(7, 8, 9) });
		const span = new Uint8Array(3 + record.byteLength + 5).fill(0xee);
		span.set(record, 3);
		const view = metaHeaderViewAt(span, 3, record.byteLength);
		expect([...view]).toEqual([7, 8, 9]);
		// A view, not a copy: the slab's bytes themselves.
		expect(view.buffer).toBe(span.buffer);
		expect([...metaHeaderView(record)]).toEqual([7, 8, 9]);
	});

	test("an empty record, or one whose tag length overruns it, has no header", () => {
		const span = new Uint8Array([0, 0, 0, 9, 1, 2, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee]);
		expect(metaHeaderViewAt(span, 0, 0).byteLength).toBe(0);
		expect(metaHeaderViewAt(span, 0, 6).byteLength).toBe(0);
	});
});
