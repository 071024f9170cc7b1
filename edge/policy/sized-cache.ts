/**
 * A cache policy that owns both ranking and admission over ids with sizes: the caller only
 * reports requests. Capacity and sizes share one unit (objects, or bytes), so the same policy
 * runs a count-mode replay (every size 1) or a byte-mode one. Nothing here knows about traces,
 * so the memory tier can drive these later with its own entry ids.
 */
export interface SizedCachePolicy {
	readonly name: string;
	readonly capacity: number;
	/** Sum of the sizes of the objects held right now; never above capacity. */
	readonly used: number;
	/**
	 * One request for `id` of `size`: true on a hit. On a miss the policy decides whether to
	 * admit the object and what to evict for it.
	 */
	request(id: number, size: number): boolean;
	/** Whether the object is held right now (for tests and checks, not the hot path). */
	holds(id: number): boolean;
}
