/**
 * The definition of linearizability, checked by brute force: some order of the operations
 * (each unknown outcome placed once or dropped) follows the model, gives every answered
 * operation its result, and keeps every operation that returned before another was called
 * ahead of it. Exponential: for histories of a handful of operations, to hold the real
 * checker's shortcuts against.
 */
import { applyToKey, EMPTY_KEY, type KeyState, resultsEqual } from "../../cluster/kv/ops.ts";
import type { HistoryOp } from "../../cluster/sim/linearizability.ts";

export function linearizableByBruteForce(history: readonly HistoryOp[]): boolean {
	// An unanswered read has no effect.
	const ops = history.filter((op) => op.result !== undefined || op.op.kind !== "get");
	return search(ops, new Set(ops.keys()), new Map());
}

function search(
	ops: readonly HistoryOp[],
	left: ReadonlySet<number>,
	states: ReadonlyMap<string, KeyState>,
): boolean {
	if ([...left].every((i) => (ops[i] as HistoryOp).result === undefined)) return true;
	for (const i of left) {
		const op = ops[i] as HistoryOp;
		const rest = new Set(left);
		rest.delete(i);
		// An unknown outcome may never take effect.
		if (op.result === undefined && search(ops, rest, states)) return true;
		// Next in the order only if nothing still left returned before it was called.
		const blocked = [...rest].some((j) => {
			const ret = (ops[j] as HistoryOp).ret;
			return ret !== undefined && ret < op.call;
		});
		if (blocked) continue;
		const { state, result } = applyToKey(states.get(op.op.key) ?? EMPTY_KEY, op.op);
		if (op.result !== undefined && !resultsEqual(op.result, result)) continue;
		if (search(ops, rest, new Map(states).set(op.op.key, state))) return true;
	}
	return false;
}
