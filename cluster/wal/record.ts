/**
 * One record of a segment, as bytes. Pure: no I/O.
 *
 * Frame (little-endian), 16-byte header then the payload:
 *
 *   0  type         u8   1 entry, 2 hard state, 3 truncate, 4 snapshot (0 is never valid,
 *                        so zeroed bytes never pass for a record)
 *   1  reserved     3 bytes, zero
 *   4  length       u32  payload bytes
 *   8  payloadCrc   u32  CRC-32 of the payload
 *   12 headerCrc    u32  CRC-32 of bytes 0..12
 *
 * The header has its own checksum so that a length can be trusted before the payload is
 * read: a flipped bit in a length can never make a whole record look like a torn tail.
 *
 * Payloads: entry = index u64, term u64, data; hard state = term, vote, commit (u64 each);
 * truncate = from u64 (entries from this index on are discarded); snapshot = index u64,
 * term u64, dataCrc u32, flags u32 (bit 0: the entries after the snapshot were kept; bit 1:
 * a restatement, at the start of a new segment, of the snapshot already in force).
 */
import { crc32 } from "./crc32.ts";
import type { Entry, HardState, SnapshotRef } from "./types.ts";
import { readU64, writeU64 } from "./u64.ts";

export const RECORD_HEADER_BYTES = 16;
/** Larger payloads are refused on write and reported as corruption on read. */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

const TYPE_ENTRY = 1;
const TYPE_HARD_STATE = 2;
const TYPE_TRUNCATE = 3;
const TYPE_SNAPSHOT = 4;

export type WalRecord =
	| { readonly type: "entry"; readonly entry: Entry }
	| { readonly type: "hardState"; readonly hardState: HardState }
	| { readonly type: "truncate"; readonly from: number }
	| { readonly type: "snapshot"; readonly snapshot: SnapshotRef; readonly restated: boolean };

export function payloadSize(record: WalRecord): number {
	switch (record.type) {
		case "entry":
			return 16 + record.entry.data.byteLength;
		case "hardState":
			return 24;
		case "truncate":
			return 8;
		case "snapshot":
			return 24;
	}
}

export function recordSize(record: WalRecord): number {
	return RECORD_HEADER_BYTES + payloadSize(record);
}

/** Writes `record` at `offset` in `out` (which must have room) and returns the end offset. */
export function encodeRecordInto(record: WalRecord, out: Uint8Array, offset: number): number {
	const length = payloadSize(record);
	const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
	const p = offset + RECORD_HEADER_BYTES;
	let type: number;
	switch (record.type) {
		case "entry":
			type = TYPE_ENTRY;
			writeU64(view, p, record.entry.index);
			writeU64(view, p + 8, record.entry.term);
			out.set(record.entry.data, p + 16);
			break;
		case "hardState":
			type = TYPE_HARD_STATE;
			writeU64(view, p, record.hardState.term);
			writeU64(view, p + 8, record.hardState.vote);
			writeU64(view, p + 16, record.hardState.commit);
			break;
		case "truncate":
			type = TYPE_TRUNCATE;
			writeU64(view, p, record.from);
			break;
		case "snapshot":
			type = TYPE_SNAPSHOT;
			writeU64(view, p, record.snapshot.index);
			writeU64(view, p + 8, record.snapshot.term);
			view.setUint32(p + 16, record.snapshot.dataCrc, true);
			view.setUint32(p + 20, (record.snapshot.keepLog ? 1 : 0) | (record.restated ? 2 : 0), true);
			break;
	}
	out[offset] = type;
	out[offset + 1] = 0;
	out[offset + 2] = 0;
	out[offset + 3] = 0;
	view.setUint32(offset + 4, length, true);
	view.setUint32(offset + 8, crc32(out.subarray(p, p + length)), true);
	view.setUint32(offset + 12, crc32(out.subarray(offset, offset + 12)), true);
	return p + length;
}

export function encodeRecords(records: readonly WalRecord[]): Uint8Array {
	let size = 0;
	for (const record of records) size += recordSize(record);
	const out = new Uint8Array(size);
	let offset = 0;
	for (const record of records) offset = encodeRecordInto(record, out, offset);
	return out;
}

/**
 * Why bytes at an offset are not a record:
 * - `short-header`: fewer than 16 bytes remain;
 * - `short-payload`: the header checks out but the payload runs past the end;
 * - `bad-header`: the header's checksum, type, reserved bytes or length are wrong;
 * - `bad-payload`: a whole record whose payload checksum is wrong;
 * - `bad-layout`: both checksums match but the payload is not a record this version writes.
 */
export type DecodeProblem =
	| "short-header"
	| "short-payload"
	| "bad-header"
	| "bad-payload"
	| "bad-layout";

export type DecodeResult =
	| { readonly ok: true; readonly record: WalRecord; readonly end: number }
	| { readonly ok: false; readonly problem: DecodeProblem; readonly reason: string };

function fail(problem: DecodeProblem, reason: string): DecodeResult {
	return { ok: false, problem, reason };
}

export function decodeRecord(bytes: Uint8Array, offset: number): DecodeResult {
	if (bytes.byteLength - offset < RECORD_HEADER_BYTES) {
		return fail("short-header", `${bytes.byteLength - offset} bytes left, a header needs 16`);
	}
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const headerCrc = crc32(bytes.subarray(offset, offset + 12));
	if (headerCrc !== view.getUint32(offset + 12, true)) {
		return fail("bad-header", "record header checksum mismatch");
	}
	const type = bytes[offset] ?? 0;
	if (bytes[offset + 1] !== 0 || bytes[offset + 2] !== 0 || bytes[offset + 3] !== 0) {
		return fail("bad-header", "reserved header bytes are not zero");
	}
	const length = view.getUint32(offset + 4, true);
	if (length > MAX_PAYLOAD_BYTES) return fail("bad-header", `payload length ${length} too large`);
	const p = offset + RECORD_HEADER_BYTES;
	const end = p + length;
	if (end > bytes.byteLength) {
		return fail("short-payload", `payload of ${length} bytes runs past the end`);
	}
	if (crc32(bytes.subarray(p, end)) !== view.getUint32(offset + 8, true)) {
		return fail("bad-payload", "record payload checksum mismatch");
	}
	const record = decodePayload(type, view, p, length, bytes);
	if (typeof record === "string") return fail("bad-layout", record);
	return { ok: true, record, end };
}

function decodePayload(
	type: number,
	view: DataView,
	p: number,
	length: number,
	bytes: Uint8Array,
): WalRecord | string {
	const u64 = (at: number, what: string): number | string =>
		readU64(view, p + at) ?? `${what} is not a safe integer`;
	switch (type) {
		case TYPE_ENTRY: {
			if (length < 16) return `entry payload of ${length} bytes, at least 16 expected`;
			const index = u64(0, "entry index");
			const term = u64(8, "entry term");
			if (typeof index === "string") return index;
			if (typeof term === "string") return term;
			// A copy: the caller may drop the segment buffer, entries outlive it.
			const data = bytes.slice(p + 16, p + length);
			return { type: "entry", entry: { index, term, data } };
		}
		case TYPE_HARD_STATE: {
			if (length !== 24) return `hard-state payload of ${length} bytes, 24 expected`;
			const term = u64(0, "hard-state term");
			const vote = u64(8, "hard-state vote");
			const commit = u64(16, "hard-state commit");
			if (typeof term === "string") return term;
			if (typeof vote === "string") return vote;
			if (typeof commit === "string") return commit;
			return { type: "hardState", hardState: { term, vote, commit } };
		}
		case TYPE_TRUNCATE: {
			if (length !== 8) return `truncate payload of ${length} bytes, 8 expected`;
			const from = u64(0, "truncate index");
			if (typeof from === "string") return from;
			return { type: "truncate", from };
		}
		case TYPE_SNAPSHOT: {
			if (length !== 24) return `snapshot payload of ${length} bytes, 24 expected`;
			const index = u64(0, "snapshot index");
			const term = u64(8, "snapshot term");
			if (typeof index === "string") return index;
			if (typeof term === "string") return term;
			const dataCrc = view.getUint32(p + 16, true);
			const flags = view.getUint32(p + 20, true);
			if (flags > 3) return `unknown snapshot flags ${flags}`;
			const keepLog = (flags & 1) === 1;
			return {
				type: "snapshot",
				snapshot: { index, term, dataCrc, keepLog },
				restated: flags >= 2,
			};
		}
		default:
			return `unknown record type ${type}`;
	}
}
