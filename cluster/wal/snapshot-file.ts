/**
 * A snapshot file's bytes (little-endian). Pure.
 *
 *   0  magic      "NCSN"
 *   4  version    u16 (1)
 *   6  reserved   u16, zero
 *   8  index      u64
 *   16 term       u64
 *   24 length     u64  data bytes
 *   32 dataCrc    u32  CRC-32 of the data
 *   36 headerCrc  u32  CRC-32 of bytes 0..36
 *   40 data
 */
import { crc32 } from "./crc32.ts";
import type { Snapshot } from "./types.ts";
import { readU64, writeU64 } from "./u64.ts";

export const SNAPSHOT_HEADER_BYTES = 40;
const MAGIC = [0x4e, 0x43, 0x53, 0x4e]; // "NCSN"
const VERSION = 1;

export function encodeSnapshotFile(snapshot: Snapshot, dataCrc: number): Uint8Array {
	const out = new Uint8Array(SNAPSHOT_HEADER_BYTES + snapshot.data.byteLength);
	const view = new DataView(out.buffer);
	out.set(MAGIC, 0);
	view.setUint16(4, VERSION, true);
	writeU64(view, 8, snapshot.index);
	writeU64(view, 16, snapshot.term);
	writeU64(view, 24, snapshot.data.byteLength);
	view.setUint32(32, dataCrc, true);
	view.setUint32(36, crc32(out.subarray(0, 36)), true);
	out.set(snapshot.data, SNAPSHOT_HEADER_BYTES);
	return out;
}

export interface DecodedSnapshot {
	readonly snapshot: Snapshot;
	readonly dataCrc: number;
}

/** The snapshot, or why these bytes are not a whole, intact snapshot file. */
export function decodeSnapshotFile(bytes: Uint8Array): DecodedSnapshot | string {
	if (bytes.byteLength < SNAPSHOT_HEADER_BYTES) {
		return `truncated: ${bytes.byteLength} bytes, the header alone is 40`;
	}
	for (let i = 0; i < MAGIC.length; i++) {
		if (bytes[i] !== MAGIC[i]) return "not a snapshot file: bad magic";
	}
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const version = view.getUint16(4, true);
	if (version !== VERSION) return `unsupported snapshot version ${version}`;
	if (crc32(bytes.subarray(0, 36)) !== view.getUint32(36, true)) {
		return "snapshot header checksum mismatch";
	}
	const index = readU64(view, 8);
	const term = readU64(view, 16);
	const length = readU64(view, 24);
	if (index === undefined || term === undefined || length === undefined) {
		return "snapshot header holds an impossible number";
	}
	if (bytes.byteLength !== SNAPSHOT_HEADER_BYTES + length) {
		return `holds ${bytes.byteLength - SNAPSHOT_HEADER_BYTES} data bytes, its header says ${length}`;
	}
	const data = bytes.subarray(SNAPSHOT_HEADER_BYTES);
	const dataCrc = view.getUint32(32, true);
	if (crc32(data) !== dataCrc) return "snapshot data checksum mismatch";
	return { snapshot: { index, term, data }, dataCrc };
}
