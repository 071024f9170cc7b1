/**
 * How large objects' store budgets (large-objects.ts) translate into what the store takes,
 * and which budgets make sense: the store, start lines, flags, env and POP configs all read
 * it here. A module of its own so that config parsers need not load the store.
 */
import * as v from "valibot";
import { MAX_OBJECT } from "../../native/size-classes.ts";

/** The largest object a store of `capacityBytes` admits unless told: a quarter of it. */
export function defaultLargestObject(capacityBytes: number): number {
	return Math.floor(capacityBytes / 4);
}

/**
 * The least budget in MiB, 0 (off) aside, under which the store admits anything: objects
 * up to the slab's gate (1 MiB) stay in the slab, so a store whose largest object is no
 * bigger would take memory and cache nothing. That is 1-4 MiB, refused by flags, env and
 * POP configs.
 */
export const LEAST_LARGE_MB = leastUsefulBudgetMb();

function leastUsefulBudgetMb(): number {
	let mb = 1;
	while (defaultLargestObject(mb * 2 ** 20) <= MAX_OBJECT) mb++;
	return mb;
}

/** What a budget must be: the error's text wherever one is refused. */
export const LARGE_MB_MESSAGE = `must be 0 (off) or at least ${LEAST_LARGE_MB} MiB: objects up to 1 MiB stay in L0, and the largest the store takes is a quarter of its budget`;

/** True for a budget that is off or admits some object over the slab's gate. */
export function isUsefulLargeMb(largeMb: number): boolean {
	return largeMb === 0 || largeMb >= LEAST_LARGE_MB;
}

/** The check as a valibot action, for the flag's and the environment's schemas. */
export const usefulLargeMb = v.check(isUsefulLargeMb, LARGE_MB_MESSAGE);
