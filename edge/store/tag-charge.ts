/**
 * What an entry's purge tags cost the memory tier's capacity. The tags themselves are
 * indexed in an IdMultimap (id-multimap.ts); the entries' own tags are in each slot's
 * metadata (meta-codec.ts), read back when an entry leaves.
 */

/**
 * Heap bytes charged against the tier's capacity for an entry's tags: what its index
 * memberships and the tag strings cost (measured about 60 bytes a membership plus the
 * characters). Charged whether or not another entry shares the tag, so the charge does not
 * depend on the order entries come and go.
 */
export const TAG_MEMBERSHIP_COST = 64;

export function tagCharge(tags: readonly string[]): number {
	let bytes = 0;
	for (const tag of tags) bytes += TAG_MEMBERSHIP_COST + tag.length;
	return bytes;
}
