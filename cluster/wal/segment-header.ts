/**
 * The 32-byte header that opens every segment (little-endian). Pure.
 *
 *   0  magic       "NCWL"
 *   4  version     u16 (1)
 *   6  reserved    u16, zero
 *   8  seq         u64  the segment's sequence number (also in its name)
 *   16 firstIndex  u64  the index the segment's first entry has (also in its name)
 *   24 reserved    u32, zero
 *   28 crc         u32  CRC-32 of bytes 0..28
 */
import { crc32 } from "./crc32.ts";
import { readU64, writeU64 } from "./u64.ts";

export const SEGMENT_HEADER_BYTES = 32;
export const SEGMENT_VERSION = 1;
const MAGIC = [0x4e, 0x43, 0x57, 0x4c]; // "NCWL"

export interface SegmentHeader {
	readonly seq: number;
	readonly firstIndex: number;
}

export function encodeSegmentHeader(header: SegmentHeader): Uint8Array {
	const out = new Uint8Array(SEGMENT_HEADER_BYTES);
	const view = new DataView(out.buffer);
	out.set(MAGIC, 0);
	view.setUint16(4, SEGMENT_VERSION, true);
	writeU64(view, 8, header.seq);
	writeU64(view, 16, header.firstIndex);
	view.setUint32(28, crc32(out.subarray(0, 28)), true);
	return out;
}

/** The header, or why these bytes do not start a segment this version can read. */
export function decodeSegmentHeader(bytes: Uint8Array): SegmentHeader | string {
	if (bytes.byteLength < SEGMENT_HEADER_BYTES) {
		return bytes.byteLength === 0
			? "empty file, a segment starts with a 32-byte header"
			: `truncated segment header: ${bytes.byteLength} of 32 bytes`;
	}
	for (let i = 0; i < MAGIC.length; i++) {
		if (bytes[i] !== MAGIC[i]) return "not a segment: bad magic";
	}
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	// Version before checksum: a newer layout may checksum differently, and "unsupported
	// version" is the message that tells the operator what happened.
	const version = view.getUint16(4, true);
	if (version !== SEGMENT_VERSION) return `unsupported segment version ${version}`;
	if (crc32(bytes.subarray(0, 28)) !== view.getUint32(28, true)) {
		return "segment header checksum mismatch";
	}
	const seq = readU64(view, 8);
	const firstIndex = readU64(view, 16);
	if (seq === undefined || firstIndex === undefined || firstIndex < 1) {
		return "segment header holds an impossible sequence number or first index";
	}
	return { seq, firstIndex };
}
