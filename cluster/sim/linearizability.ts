/**
 * Linearizability of a KV history: Wing and Gong's search with Lowe's memoization (the
 * algorithm Porcupine implements). Every operation is single-key, so the history is
 * checked one key at a time (a history is linearizable iff each key's is).
 *
 * An operation without a result (timed out, crashed, given up) may have taken effect at
 * any point after its call, or never. Its `ret`, if known, bounds when: the effect, if any,
 * happened before it (a client's next write that answered, say, when the store ignores an
 * abandoned request once a later one from the same client applied). Without `ret` it may
 * take effect at any later point. An unanswered read has no effect and is dropped.
 */
import {
	applyToKey,
	EMPTY_KEY,
	type KeyState,
	type KvOp,
	type KvResult,
	resultsEqual,
} from "../kv/ops.ts";

export interface HistoryOp {
	readonly client: number;
	readonly op: KvOp;
	/** Call and return positions on one clock; a return at the same position as a call is
	 * taken as concurrent with it. */
	readonly call: number;
	readonly ret: number | undefined;
	/** Undefined: the outcome is unknown (see above). */
	readonly result: KvResult | undefined;
}

export type CheckResult =
	| { readonly ok: true }
	| { readonly ok: false; readonly key: string; readonly reason: string };

interface Node {
	readonly op: number;
	readonly isCall: boolean;
	/** The outcome is unknown: it need not be linearized at all. */
	readonly optional: boolean;
	/** A call's return, or a return's call. */
	match: Node | undefined;
	prev: Node | undefined;
	next: Node | undefined;
}

/** Gives up on a key (reported as a failure) after this many search steps. */
const DEFAULT_STEP_BUDGET = 200_000_000;

export function checkLinearizable(
	history: readonly HistoryOp[],
	stepBudget = DEFAULT_STEP_BUDGET,
): CheckResult {
	const byKey = new Map<string, HistoryOp[]>();
	for (const entry of history) {
		if (entry.result === undefined && entry.op.kind === "get") continue;
		if (entry.ret === undefined && entry.result !== undefined) {
			throw new Error("an operation has a result but no return");
		}
		const list = byKey.get(entry.op.key);
		if (list) list.push(entry);
		else byKey.set(entry.op.key, [entry]);
	}
	for (const [key, ops] of byKey) {
		const verdict = checkKey(ops, stepBudget);
		if (verdict !== undefined) return { ok: false, key, reason: verdict };
	}
	return { ok: true };
}

/** Undefined if linearizable, else why not. */
function checkKey(ops: readonly HistoryOp[], stepBudget: number): string | undefined {
	const head = buildList(ops);
	const linearized = new Uint32Array(Math.ceil(ops.length / 32));
	const seen = new Set<string>();
	const stack: { call: Node; state: KeyState }[] = [];
	let state: KeyState = EMPTY_KEY;
	let entry = head.next;
	let steps = 0;
	let deepest = 0;
	// Done once every operation with a known outcome is linearized.
	let unplaced = ops.filter((op) => op.result !== undefined).length;
	while (unplaced > 0) {
		if (++steps > stepBudget) return `search gave up after ${stepBudget} steps`;
		const current = entry as Node;
		if (current.isCall) {
			const op = ops[current.op] as HistoryOp;
			const { state: next, result } = applyToKey(state, op.op);
			// An unknown outcome placed where it changes nothing is the same as never taking
			// effect, which its return (or the end) allows anyway: only try it where it acts.
			const fits =
				op.result === undefined
					? next.revision !== state.revision
					: resultsEqual(op.result, result);
			if (fits) {
				setBit(linearized, current.op);
				const memo = `${bitsKey(linearized)}|${next.revision}|${next.value ?? "\u0000"}`;
				if (!seen.has(memo)) {
					seen.add(memo);
					stack.push({ call: current, state });
					state = next;
					lift(current);
					if (!current.optional) unplaced--;
					deepest = Math.max(deepest, stack.length);
					entry = head.next;
					continue;
				}
				clearBit(linearized, current.op);
			}
			entry = current.next;
			continue;
		}
		if (current.optional) {
			// The last moment an unknown outcome could take effect passed: it never did.
			const call = current.match as Node;
			setBit(linearized, call.op);
			const memo = `${bitsKey(linearized)}|${state.revision}|${state.value ?? "\u0000"}`;
			if (!seen.has(memo)) {
				seen.add(memo);
				stack.push({ call, state });
				lift(call);
				entry = head.next;
				continue;
			}
			clearBit(linearized, call.op);
		}
		// A return whose call is not linearized yet: undo the last choice.
		const top = stack.pop();
		if (top === undefined) {
			return `no order explains the ${ops.length} operations (at most ${deepest} fit)`;
		}
		state = top.state;
		clearBit(linearized, top.call.op);
		unlift(top.call);
		if (!top.call.optional) unplaced++;
		entry = top.call.next;
	}
	return undefined;
}

function buildList(ops: readonly HistoryOp[]): Node {
	type Event = { time: number; isCall: boolean; op: number };
	const events: Event[] = [];
	for (const [i, op] of ops.entries()) {
		events.push({ time: op.call, isCall: true, op: i });
		events.push({ time: op.ret ?? Number.POSITIVE_INFINITY, isCall: false, op: i });
	}
	// Calls before returns at equal times: such operations count as concurrent.
	events.sort((a, b) => a.time - b.time || Number(b.isCall) - Number(a.isCall) || a.op - b.op);
	const head: Node = {
		op: -1,
		isCall: false,
		optional: false,
		match: undefined,
		prev: undefined,
		next: undefined,
	};
	const calls = new Map<number, Node>();
	let tail = head;
	for (const event of events) {
		const node: Node = {
			op: event.op,
			isCall: event.isCall,
			optional: (ops[event.op] as HistoryOp).result === undefined,
			match: undefined,
			prev: tail,
			next: undefined,
		};
		tail.next = node;
		tail = node;
		if (event.isCall) calls.set(event.op, node);
		else {
			const call = calls.get(event.op) as Node;
			call.match = node;
			node.match = call;
		}
	}
	return head;
}

function unlink(node: Node): void {
	(node.prev as Node).next = node.next;
	if (node.next) node.next.prev = node.prev;
}

function relink(node: Node): void {
	(node.prev as Node).next = node;
	if (node.next) node.next.prev = node;
}

/** Takes a call and its return out of the list (the operation is linearized). */
function lift(call: Node): void {
	unlink(call);
	unlink(call.match as Node);
}

function unlift(call: Node): void {
	relink(call.match as Node);
	relink(call);
}

function setBit(bits: Uint32Array, i: number): void {
	bits[i >>> 5] = (bits[i >>> 5] as number) | (1 << (i & 31));
}

function clearBit(bits: Uint32Array, i: number): void {
	bits[i >>> 5] = (bits[i >>> 5] as number) & ~(1 << (i & 31));
}

function bitsKey(bits: Uint32Array): string {
	let key = "";
	for (const word of bits) key += `${word.toString(36)},`;
	return key;
}
