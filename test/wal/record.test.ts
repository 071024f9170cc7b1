import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { crc32 } from "../../cluster/wal/crc32.ts";
import {
	decodeRecord,
	encodeRecords,
	MAX_PAYLOAD_BYTES,
	RECORD_HEADER_BYTES,
	recordSize,
	type WalRecord,
} from "../../cluster/wal/record.ts";
import { walRecord } from "./arbitraries.ts";
import { bytes } from "./helpers.ts";

function decodeOk(data: Uint8Array, offset = 0): { record: WalRecord; end: number } {
	const result = decodeRecord(data, offset);
	if (!result.ok) throw new Error(`expected a record: ${result.reason}`);
	return result;
}

/** Re-seals a header after a test edits bytes 0..12, so the edit reaches the later checks. */
function resealHeader(data: Uint8Array): void {
	new DataView(data.buffer).setUint32(12, crc32(data.subarray(0, 12)), true);
}

describe("record codec", () => {
	test("each record type round-trips", () => {
		const records: WalRecord[] = [
			{ type: "entry", entry: { index: 7, term: 3, data: bytes("put k v") } },
			{ type: "entry", entry: { index: 2 ** 53 - 1, term: 2 ** 40, data: new Uint8Array(0) } },
			{ type: "hardState", hardState: { term: 4, vote: 0, commit: 12 } },
			{ type: "truncate", from: 5 },
			{
				type: "snapshot",
				snapshot: { index: 9, term: 2, dataCrc: 0xdeadbeef, keepLog: true },
				restated: false,
			},
			{
				type: "snapshot",
				snapshot: { index: 9, term: 2, dataCrc: 0, keepLog: false },
				restated: true,
			},
		];
		const encoded = encodeRecords(records);
		let offset = 0;
		for (const record of records) {
			const { record: decoded, end } = decodeOk(encoded, offset);
			expect(decoded).toEqual(record);
			expect(end - offset).toBe(recordSize(record));
			offset = end;
		}
		expect(offset).toBe(encoded.byteLength);
	});

	test("a decoded entry's data is a copy, not a view of the segment bytes", () => {
		const encoded = encodeRecords([
			{ type: "entry", entry: { index: 1, term: 1, data: bytes("abc") } },
		]);
		const { record } = decodeOk(encoded);
		encoded.fill(0);
		expect(record.type === "entry" && new TextDecoder().decode(record.entry.data)).toBe("abc");
	});

	test("property: any sequence of records round-trips", () => {
		fc.assert(
			fc.property(fc.array(walRecord, { maxLength: 8 }), (records) => {
				const encoded = encodeRecords(records);
				const decoded: WalRecord[] = [];
				let offset = 0;
				while (offset < encoded.byteLength) {
					const { record, end } = decodeOk(encoded, offset);
					decoded.push(record);
					offset = end;
				}
				expect(decoded).toEqual(records);
			}),
		);
	});

	test("property: any single-byte change inside a record is detected", () => {
		fc.assert(
			fc.property(walRecord, fc.nat(), fc.integer({ min: 1, max: 255 }), (record, at, xor) => {
				const encoded = encodeRecords([record]);
				const position = at % encoded.byteLength;
				encoded[position] = (encoded[position] as number) ^ xor;
				const result = decodeRecord(encoded, 0);
				expect(result.ok).toBe(false);
			}),
		);
	});

	test("property: a cut record is a short header or a short payload, never a record", () => {
		fc.assert(
			fc.property(walRecord, fc.nat(), (record, at) => {
				const encoded = encodeRecords([record]);
				const cut = at % encoded.byteLength;
				const result = decodeRecord(encoded.subarray(0, cut), 0);
				expect(result.ok).toBe(false);
				if (!result.ok) {
					expect(result.problem).toBe(cut < RECORD_HEADER_BYTES ? "short-header" : "short-payload");
				}
			}),
		);
	});

	test("zeroed bytes are never a record", () => {
		const result = decodeRecord(new Uint8Array(64), 0);
		expect(result).toMatchObject({ ok: false, problem: "bad-header" });
	});

	test("a header with sound checksums but an unknown type is a layout error", () => {
		const encoded = encodeRecords([{ type: "truncate", from: 3 }]);
		encoded[0] = 9;
		resealHeader(encoded);
		expect(decodeRecord(encoded, 0)).toMatchObject({
			ok: false,
			problem: "bad-layout",
			reason: "unknown record type 9",
		});
	});

	test("non-zero reserved bytes are refused even under a matching checksum", () => {
		const encoded = encodeRecords([{ type: "truncate", from: 3 }]);
		encoded[2] = 1;
		resealHeader(encoded);
		expect(decodeRecord(encoded, 0)).toMatchObject({ ok: false, problem: "bad-header" });
	});

	test("a length beyond the maximum is refused before reading the payload", () => {
		const encoded = encodeRecords([{ type: "truncate", from: 3 }]);
		new DataView(encoded.buffer).setUint32(4, MAX_PAYLOAD_BYTES + 1, true);
		resealHeader(encoded);
		expect(decodeRecord(encoded, 0)).toMatchObject({ ok: false, problem: "bad-header" });
	});

	test("a fixed-size payload of the wrong size is a layout error", () => {
		// A truncate record carrying 16 bytes instead of 8, checksums recomputed.
		const encoded = new Uint8Array(RECORD_HEADER_BYTES + 16);
		const view = new DataView(encoded.buffer);
		encoded[0] = 3;
		view.setUint32(4, 16, true);
		view.setUint32(8, crc32(encoded.subarray(16)), true);
		resealHeader(encoded);
		expect(decodeRecord(encoded, 0)).toMatchObject({ ok: false, problem: "bad-layout" });
	});

	test("a number above 2^53 - 1 is a layout error, not a wrong number", () => {
		const encoded = encodeRecords([{ type: "truncate", from: 3 }]);
		const view = new DataView(encoded.buffer);
		view.setUint32(RECORD_HEADER_BYTES + 4, 0x20_0000, true);
		view.setUint32(8, crc32(encoded.subarray(RECORD_HEADER_BYTES)), true);
		resealHeader(encoded);
		expect(decodeRecord(encoded, 0)).toMatchObject({
			ok: false,
			problem: "bad-layout",
			reason: "truncate index is not a safe integer",
		});
	});

	test("unknown snapshot flags are a layout error", () => {
		const encoded = encodeRecords([
			{
				type: "snapshot",
				snapshot: { index: 1, term: 1, dataCrc: 0, keepLog: true },
				restated: false,
			},
		]);
		const view = new DataView(encoded.buffer);
		view.setUint32(RECORD_HEADER_BYTES + 20, 4, true);
		view.setUint32(8, crc32(encoded.subarray(RECORD_HEADER_BYTES)), true);
		resealHeader(encoded);
		expect(decodeRecord(encoded, 0)).toMatchObject({ ok: false, problem: "bad-layout" });
	});
});
