/**
 * Little-endian 64-bit fields holding JavaScript safe integers, as two 32-bit halves (no
 * BigInt on the hot path). Reading a value above 2^53 - 1 returns undefined: the caller
 * reports it as corruption, since the log never writes one.
 */
const TWO_32 = 2 ** 32;

export function writeU64(view: DataView, offset: number, value: number): void {
	view.setUint32(offset, value % TWO_32, true);
	view.setUint32(offset + 4, Math.floor(value / TWO_32), true);
}

export function readU64(view: DataView, offset: number): number | undefined {
	const low = view.getUint32(offset, true);
	const high = view.getUint32(offset + 4, true);
	if (high > 0x1f_ffff) return undefined;
	return high * TWO_32 + low;
}
