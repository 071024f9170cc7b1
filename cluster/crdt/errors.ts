/** The CRDT store's failures as typed errors. */
import type { CrdtKind } from "./kinds.ts";

/** A key is used as a kind other than the one it was first used as. Nothing changed. */
export class CrdtKindError extends Error {
	override readonly name = "CrdtKindError";
	constructor(
		readonly key: string,
		readonly expected: readonly CrdtKind[],
		readonly actual: CrdtKind,
	) {
		super(`key ${JSON.stringify(key)} is a ${actual}, not a ${expected.join(" or ")}`);
	}
}

/** An argument the store refuses (bad key, element, amount or value). Nothing changed. */
export class CrdtInputError extends Error {
	override readonly name = "CrdtInputError";
}

/**
 * A counter's total passes 2^53 - 1, past which a JavaScript number, and the JSON the API
 * answers in, no longer carries every integer: it would be answered rounded. A step that
 * would take it there is refused (nothing changed); a total replicas reached between them
 * (each slot stays exact) is refused when read.
 */
export class CounterRangeError extends Error {
	override readonly name = "CounterRangeError";
}
