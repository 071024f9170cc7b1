/**
 * Reading the records of one segment's bytes, and telling a torn tail from corruption.
 * Pure: the caller reads the file and truncates it.
 *
 * Each save() is one append followed by an fsync, and a segment is fsynced before the next
 * one is created. So a crash can only damage the end of the last segment, inside the one
 * write that was never acknowledged. Such a write can end early, or leave the file longer
 * with sectors that never reached the disk reading as zeros (the sectors of one write may
 * land in any order). A bad record is taken for a torn tail only if it is in the last
 * segment and one of these holds:
 * 1. fewer bytes remain than a record header;
 * 2. the header checks out but its payload runs past the end of the file;
 * 3. every byte from it to the end is zero;
 * 4. its header fails, and from a sector boundary inside the header on, every byte to the
 *    end is zero (the header's second part never landed);
 * 5. its header checks out, its payload checksum fails, every byte after it is zero, and
 *    one of its sector-bounded pieces (split at each 512-byte file offset) is all zero:
 *    a sector the crash never wrote (etcd's rule, with nothing valid allowed after).
 * Anything else (a bad record with a non-zero byte after it, any bad record in an earlier
 * segment) is corruption of data that had been acknowledged: an error naming the file and
 * offset, never a silent drop.
 */
import { WalCorruptError } from "./errors.ts";
import { type DecodeResult, decodeRecord, type WalRecord } from "./record.ts";

export const SECTOR_BYTES = 512;

export interface ScannedRecord {
	readonly record: WalRecord;
	/** Where the record starts in its file. */
	readonly offset: number;
}

export interface ScanResult {
	readonly records: ScannedRecord[];
	/** Bytes that hold whole, valid records: the file's length once a torn tail is cut. */
	readonly validLength: number;
	readonly torn: { readonly offset: number; readonly reason: string } | undefined;
}

export function scanRecords(
	bytes: Uint8Array,
	start: number,
	file: string,
	isLast: boolean,
): ScanResult {
	const records: ScannedRecord[] = [];
	let offset = start;
	while (offset < bytes.byteLength) {
		const result = decodeRecord(bytes, offset);
		if (result.ok) {
			records.push({ record: result.record, offset });
			offset = result.end;
			continue;
		}
		if (isLast && isTornTail(bytes, offset, result)) {
			return { records, validLength: offset, torn: { offset, reason: result.reason } };
		}
		const where = isLast ? "before the end of the last segment" : "in a sealed segment";
		throw new WalCorruptError(file, offset, `${result.reason} (${where})`);
	}
	return { records, validLength: offset, torn: undefined };
}

function isTornTail(
	bytes: Uint8Array,
	offset: number,
	result: Extract<DecodeResult, { ok: false }>,
): boolean {
	if (result.problem === "short-header" || result.problem === "short-payload") return true;
	if (allZero(bytes, offset, bytes.byteLength)) return true;
	if (result.problem === "bad-header") {
		const boundary = nextSector(offset + 1);
		return boundary < offset + 16 && allZero(bytes, boundary, bytes.byteLength);
	}
	if (result.problem !== "bad-payload") return false;
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const end = offset + 16 + view.getUint32(offset + 4, true);
	return allZero(bytes, end, bytes.byteLength) && hasZeroPiece(bytes, offset, end);
}

/** The first sector boundary at or after `offset`. */
function nextSector(offset: number): number {
	return Math.ceil(offset / SECTOR_BYTES) * SECTOR_BYTES;
}

function allZero(bytes: Uint8Array, from: number, to: number): boolean {
	for (let i = from; i < to; i++) if (bytes[i] !== 0) return false;
	return true;
}

/** Whether [from, to), cut at every sector boundary, has a piece that is all zero. */
function hasZeroPiece(bytes: Uint8Array, from: number, to: number): boolean {
	let start = from;
	while (start < to) {
		const end = Math.min(to, nextSector(start + 1));
		if (allZero(bytes, start, end)) return true;
		start = end;
	}
	return false;
}
