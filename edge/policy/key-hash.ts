/**
 * FNV-1a over a key's UTF-16 code units: a key's identity for policies that outlive ids.
 * Not lock/key-hash.ts's cyrb53, though both hash keys: the ghosts' tables hold 32 bits,
 * and the split tuner samples keys by these exact values (mixHash below), so another hash
 * samples other keys and the tier then evicts other entries and may choose another split.
 */
export function keyHash(key: string): number {
	let hash = 2166136261;
	for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 16777619);
	return hash >>> 0;
}

/**
 * MurmurHash3's 32-bit finalizer: a bijection that spreads every input bit over the output,
 * so consecutive ids, or FNV hashes of similar keys, give uniform values to sample by.
 */
export function mixHash(hash: number): number {
	let h = hash >>> 0;
	h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
	h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
	return (h ^ (h >>> 16)) >>> 0;
}
