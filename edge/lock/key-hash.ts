/**
 * A 53-bit hash of a string (cyrb53: two 32-bit multiply-xor lanes), so that a table keyed
 * by it costs the same few bytes per entry however long the strings are. Not
 * cryptographic: whoever relies on it must tolerate a collision. Not policy/key-hash.ts's
 * 32-bit FNV-1a: among the lock's marks (up to 100,000 by default), 32 bits would give
 * about one colliding pair (n^2 / 2^33), 53 bits about one in two million.
 */
export function hash53(text: string): number {
	let h1 = 0xdeadbeef;
	let h2 = 0x41c6ce57;
	for (let i = 0; i < text.length; i++) {
		const code = text.charCodeAt(i);
		h1 = Math.imul(h1 ^ code, 2654435761);
		h2 = Math.imul(h2 ^ code, 1597334677);
	}
	h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
	h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
	return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
