import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { WalCorruptError } from "../../cluster/wal/errors.ts";
import { encodeRecords, recordSize, type WalRecord } from "../../cluster/wal/record.ts";
import { SECTOR_BYTES, scanRecords } from "../../cluster/wal/scan.ts";
import { walRecord } from "./arbitraries.ts";
import { bytes, corruption } from "./helpers.ts";

const small: WalRecord[] = [
	{ type: "hardState", hardState: { term: 1, vote: 1, commit: 0 } },
	{ type: "entry", entry: { index: 1, term: 1, data: bytes("one") } },
	{ type: "entry", entry: { index: 2, term: 1, data: bytes("two") } },
];

/** Record start offsets in an encoding of `records`, plus the end. */
function boundaries(records: readonly WalRecord[]): number[] {
	const out = [0];
	for (const record of records) out.push((out.at(-1) as number) + recordSize(record));
	return out;
}

describe("scanRecords", () => {
	test("reads every record of an intact segment, no torn tail", () => {
		const encoded = encodeRecords(small);
		const result = scanRecords(encoded, 0, "seg", true);
		expect(result.records.map((r) => r.record)).toEqual(small);
		expect(result.records.map((r) => r.offset)).toEqual(boundaries(small).slice(0, -1));
		expect(result.validLength).toBe(encoded.byteLength);
		expect(result.torn).toBeUndefined();
	});

	test("a partial header at the end of the last segment is a torn tail", () => {
		const encoded = encodeRecords(small);
		const cut = boundaries(small)[2] as number;
		const result = scanRecords(encoded.subarray(0, cut + 5), 0, "seg", true);
		expect(result.records).toHaveLength(2);
		expect(result.torn?.offset).toBe(cut);
		expect(result.validLength).toBe(cut);
	});

	test("a partial payload at the end of the last segment is a torn tail", () => {
		const encoded = encodeRecords(small);
		const result = scanRecords(encoded.subarray(0, encoded.byteLength - 1), 0, "seg", true);
		expect(result.records).toHaveLength(2);
		expect(result.torn?.reason).toContain("runs past the end");
	});

	test("zeros to the end of the last segment are a torn tail (the file grew, the data did not land)", () => {
		const encoded = encodeRecords(small);
		const grown = new Uint8Array(encoded.byteLength + 4096);
		grown.set(encoded);
		const result = scanRecords(grown, 0, "seg", true);
		expect(result.records).toHaveLength(3);
		expect(result.torn?.offset).toBe(encoded.byteLength);
	});

	test("a last record with a bad checksum and a zeroed sector inside is a torn tail", () => {
		const big: WalRecord = {
			type: "entry",
			entry: { index: 3, term: 1, data: new Uint8Array(3 * SECTOR_BYTES).fill(7) },
		};
		const encoded = encodeRecords([...small, big]);
		const start = boundaries(small).at(-1) as number;
		const sector = Math.ceil((start + 16) / SECTOR_BYTES) * SECTOR_BYTES;
		encoded.fill(0, sector, sector + SECTOR_BYTES);
		const result = scanRecords(encoded, 0, "seg", true);
		expect(result.records).toHaveLength(3);
		expect(result.torn?.offset).toBe(start);
	});

	test("the same damage without a whole zeroed sector is corruption", () => {
		const big: WalRecord = {
			type: "entry",
			entry: { index: 3, term: 1, data: new Uint8Array(3 * SECTOR_BYTES).fill(7) },
		};
		const encoded = encodeRecords([...small, big]);
		const start = boundaries(small).at(-1) as number;
		const sector = Math.ceil((start + 16) / SECTOR_BYTES) * SECTOR_BYTES;
		encoded.fill(0, sector, sector + SECTOR_BYTES - 1);
		const error = corruption(() => scanRecords(encoded, 0, "seg", true));
		expect(error.offset).toBe(start);
		expect(error.reason).toContain("payload checksum mismatch");
	});

	test("a record across a sector boundary whose later part, and all after it, never landed is a torn tail", () => {
		// The file grew by a whole write, but the sectors from 512 on read as zeros.
		const records: WalRecord[] = [
			...small,
			{ type: "entry", entry: { index: 3, term: 1, data: new Uint8Array(400).fill(9) } },
			{ type: "entry", entry: { index: 4, term: 1, data: new Uint8Array(300).fill(9) } },
		];
		const encoded = encodeRecords(records);
		const third = boundaries(records)[3] as number;
		expect(third).toBeLessThan(SECTOR_BYTES);
		expect(boundaries(records)[4]).toBeGreaterThan(SECTOR_BYTES);
		encoded.fill(0, SECTOR_BYTES);
		const result = scanRecords(encoded, 0, "seg", true);
		expect(result.records).toHaveLength(3);
		expect(result.torn?.offset).toBe(third);
		// The same, but one byte after that record survived: not a torn write, corruption.
		encoded[encoded.byteLength - 1] = 1;
		expect(corruption(() => scanRecords(encoded, 0, "seg", true)).offset).toBe(third);
	});

	test("a header cut by a sector boundary, its second part and all after it zero, is a torn tail", () => {
		const pad: WalRecord = {
			type: "entry",
			entry: { index: 1, term: 1, data: new Uint8Array(SECTOR_BYTES - 8 - 32).fill(3) },
		};
		const records: WalRecord[] = [pad, ...small.slice(2)];
		const encoded = encodeRecords(records);
		expect(boundaries(records)[1]).toBe(SECTOR_BYTES - 8);
		encoded.fill(0, SECTOR_BYTES);
		const result = scanRecords(encoded, 0, "seg", true);
		expect(result.records).toHaveLength(1);
		expect(result.torn?.offset).toBe(SECTOR_BYTES - 8);
	});

	test("a bad record followed by more bytes is corruption naming file and offset", () => {
		const encoded = encodeRecords(small);
		const second = boundaries(small)[1] as number;
		encoded[second + 20] = (encoded[second + 20] as number) ^ 1;
		const error = corruption(() => scanRecords(encoded, 0, "wal-x.log", true));
		expect(error.file).toBe("wal-x.log");
		expect(error.offset).toBe(second);
		expect(error.message).toContain(`wal-x.log at offset ${second}`);
	});

	test("garbage after good records, not zeros, is corruption", () => {
		const encoded = encodeRecords(small);
		const withGarbage = new Uint8Array(encoded.byteLength + 40).fill(0xab);
		withGarbage.set(encoded);
		const error = corruption(() => scanRecords(withGarbage, 0, "seg", true));
		expect(error.offset).toBe(encoded.byteLength);
	});

	test("in a sealed segment even a clean cut is corruption", () => {
		const encoded = encodeRecords(small);
		const cut = encoded.subarray(0, encoded.byteLength - 3);
		const error = corruption(() => scanRecords(cut, 0, "seg", false));
		expect(error.reason).toContain("sealed segment");
	});

	test("property: any cut of the last segment keeps exactly the whole records before it", () => {
		fc.assert(
			fc.property(fc.array(walRecord, { minLength: 1, maxLength: 6 }), fc.nat(), (records, at) => {
				const encoded = encodeRecords(records);
				const cut = at % (encoded.byteLength + 1);
				const result = scanRecords(encoded.subarray(0, cut), 0, "seg", true);
				const ends = boundaries(records);
				const whole = ends.filter((end) => end <= cut).length - 1;
				expect(result.records.map((r) => r.record)).toEqual(records.slice(0, whole));
				expect(result.validLength).toBe(ends[whole] as number);
				expect(result.torn === undefined).toBe(ends.includes(cut));
			}),
		);
	});

	test("property: a cut inside a sealed segment is always detected", () => {
		fc.assert(
			fc.property(fc.array(walRecord, { minLength: 1, maxLength: 6 }), fc.nat(), (records, at) => {
				const encoded = encodeRecords(records);
				const ends = boundaries(records);
				const cut = at % encoded.byteLength;
				fc.pre(!ends.includes(cut));
				expect(() => scanRecords(encoded.subarray(0, cut), 0, "seg", false)).toThrow(
					WalCorruptError,
				);
			}),
		);
	});

	test("property: a changed byte in a sealed segment is an error at that record's offset", () => {
		fc.assert(
			fc.property(
				fc.array(walRecord, { minLength: 1, maxLength: 6 }),
				fc.nat(),
				fc.integer({ min: 1, max: 255 }),
				(records, at, xor) => {
					const encoded = encodeRecords(records);
					const position = at % encoded.byteLength;
					encoded[position] = (encoded[position] as number) ^ xor;
					const start = boundaries(records)
						.filter((end) => end <= position)
						.at(-1) as number;
					expect(corruption(() => scanRecords(encoded, 0, "seg", false)).offset).toBe(start);
				},
			),
		);
	});

	test("property: in the last segment, a changed byte before the last record is an error there", () => {
		// Some record follows it, and a record header is never all zero, so no torn-tail rule
		// can apply. (A change in the last record itself may look like a torn write: the
		// example tests above pin those cases.)
		fc.assert(
			fc.property(
				fc.array(walRecord, { minLength: 2, maxLength: 6 }),
				fc.nat(),
				fc.integer({ min: 1, max: 255 }),
				(records, at, xor) => {
					const encoded = encodeRecords(records);
					const ends = boundaries(records);
					const position = at % (ends.at(-2) as number);
					encoded[position] = (encoded[position] as number) ^ xor;
					const start = ends.filter((end) => end <= position).at(-1) as number;
					expect(corruption(() => scanRecords(encoded, 0, "seg", true)).offset).toBe(start);
				},
			),
		);
	});
});
