/**
 * Admission hook: lets a tier ask, before it evicts `victim` to make room for `candidate`,
 * whether the swap is worth it. Kept apart from EvictionPolicy so a tier can add admission to
 * any ranking (LRU, CLOCK) without the ranking knowing.
 */
export interface AdmissionFilter {
	/** Every request for the key, hit or miss: the filter's notion of popularity. */
	recordRequest(keyHash: number): void;
	/** True when `candidate` should replace `victim`. */
	admits(candidateHash: number, victimHash: number): boolean;
}
