/**
 * Eviction policy over entry ids (small integers a tier hands out). The tier tells the
 * policy what happened; the policy only ranks. It never touches storage, so one policy
 * serves any tier and a better one (W-TinyLFU) slots in without changing the tier.
 */
export interface EvictionPolicy {
	readonly name: string;
	/**
	 * True when ranking needs every single access in order (strict LRU). False when it is
	 * enough to learn, some time before the entry is considered for eviction, that it was
	 * used (CLOCK): then the tier may serve hot entries without telling the policy each time.
	 */
	readonly needsEveryAccess: boolean;
	/** True when `inserted` needs a real key hash; others get 0 and the tier skips hashing. */
	readonly wantsKeyHash: boolean;
	/**
	 * A new entry became visible. `keyHash` identifies its key across id reuse, for
	 * policies that remember evicted keys (S3-FIFO's ghost); others ignore it.
	 */
	inserted(id: number, keyHash: number): void;
	/** A lookup hit the entry. On the hot path: keep it cheap. */
	accessed(id: number): void;
	/** The entry left the tier (evicted, expired, purged, replaced). `keyHash` as for inserted. */
	removed(id: number, keyHash: number): void;
	/**
	 * Walks eviction candidates, best first: `after` -1 gives the first, then pass the
	 * previous answer to get the next. -1 when there are no more.
	 */
	nextVictim(after: number): number;
	/** Ids may now go up to `capacity` - 1 (the tier grew its tables). */
	grow(capacity: number): void;
}
