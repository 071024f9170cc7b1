/**
 * CRC-32 (IEEE 802.3, the zlib one) of a byte range. Bun computes it natively (tens of GB/s
 * here); a test pins it to the standard check values so a runtime change cannot alter it
 * silently, since every record on disk depends on it.
 */
export function crc32(bytes: Uint8Array): number {
	return Bun.hash.crc32(bytes) >>> 0;
}
