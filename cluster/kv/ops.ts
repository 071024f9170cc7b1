/**
 * The KV model: operations on one key, their results, and the pure transition. The
 * replicated store (store.ts) and the linearizability checker share it, so "what a correct
 * store answers" is written once.
 */

export type KvOp =
	| { readonly kind: "put"; readonly key: string; readonly value: string }
	| { readonly kind: "get"; readonly key: string }
	| { readonly kind: "delete"; readonly key: string }
	| {
			readonly kind: "cas";
			readonly key: string;
			/** null: succeed only if the key is absent. */
			readonly expected: string | null;
			readonly value: string;
	  };

/**
 * `revision` counts the writes that changed the key (puts, deletes of a present key,
 * successful compare-and-sets), from 0 for a key never written.
 */
export type KvResult =
	| { readonly kind: "put"; readonly revision: number }
	| { readonly kind: "get"; readonly value: string | null; readonly revision: number }
	| { readonly kind: "delete"; readonly deleted: boolean; readonly revision: number }
	| {
			readonly kind: "cas";
			readonly ok: boolean;
			readonly value: string | null;
			readonly revision: number;
	  };

export interface KeyState {
	readonly value: string | null;
	readonly revision: number;
}

export const EMPTY_KEY: KeyState = { value: null, revision: 0 };

/** Applies `op` to its key's state: the next state and the result. */
export function applyToKey(state: KeyState, op: KvOp): { state: KeyState; result: KvResult } {
	switch (op.kind) {
		case "put": {
			const next = { value: op.value, revision: state.revision + 1 };
			return { state: next, result: { kind: "put", revision: next.revision } };
		}
		case "get":
			return {
				state,
				result: { kind: "get", value: state.value, revision: state.revision },
			};
		case "delete": {
			if (state.value === null) {
				return { state, result: { kind: "delete", deleted: false, revision: state.revision } };
			}
			const next = { value: null, revision: state.revision + 1 };
			return { state: next, result: { kind: "delete", deleted: true, revision: next.revision } };
		}
		case "cas": {
			if (state.value !== op.expected) {
				return {
					state,
					result: { kind: "cas", ok: false, value: state.value, revision: state.revision },
				};
			}
			const next = { value: op.value, revision: state.revision + 1 };
			return {
				state: next,
				result: { kind: "cas", ok: true, value: next.value, revision: next.revision },
			};
		}
	}
}

export function resultsEqual(a: KvResult, b: KvResult): boolean {
	if (a.kind !== b.kind || a.revision !== b.revision) return false;
	switch (a.kind) {
		case "put":
			return true;
		case "get":
			return a.value === (b as typeof a).value;
		case "delete":
			return a.deleted === (b as typeof a).deleted;
		case "cas":
			return a.ok === (b as typeof a).ok && a.value === (b as typeof a).value;
	}
}

/**
 * The revision the key had just before the operation that returned `result`: the result's
 * revision, less one if the operation changed the key. applyToKey never lowers a revision,
 * so once a key is past it, no operation can still return this result.
 */
export function revisionBefore(result: KvResult): number {
	const changed =
		result.kind === "put" ||
		(result.kind === "delete" && result.deleted) ||
		(result.kind === "cas" && result.ok);
	return changed ? result.revision - 1 : result.revision;
}
