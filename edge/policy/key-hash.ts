/** FNV-1a over a key's UTF-16 code units: a key's identity for policies that outlive ids. */
export function keyHash(key: string): number {
	let hash = 2166136261;
	for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 16777619);
	return hash >>> 0;
}
