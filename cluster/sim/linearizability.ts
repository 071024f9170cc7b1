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
 *
 * Two cuts keep the search small without losing any order it would find:
 * - Revisions never go down (kv/ops.ts), and an answered operation's result names the
 *   revision it saw. So a branch that moves the key past the revision an answered operation
 *   still to be placed needs is dead at once, instead of once the search reaches that
 *   operation's return. Without it, a dozen unknown writes before a read that saw none of
 *   them are tried in every subset and order (seed 500982: minutes).
 * - An answered operation that fits and leaves the state as it is (a read, a failed
 *   compare-and-set, a delete of an absent key) is placed at once, with no alternative
 *   tried: any order that places it later, while the key still has this revision and so
 *   this state, can place it here instead (it was called before any pending operation
 *   returned). If that fails, the configuration before it fails too.
 */
import {
	applyToKey,
	EMPTY_KEY,
	type KeyState,
	type KvOp,
	type KvResult,
	resultsEqual,
	revisionBefore,
} from "../kv/ops.ts";
import { VisitedConfigs } from "./visited-configs.ts";

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
	| {
			readonly ok: false;
			readonly key: string;
			readonly reason: string;
			/**
			 * The search ran out of steps before deciding: not a violation found, not a pass
			 * either.
			 */
			readonly undecided: boolean;
	  };

export interface Analysis {
	readonly verdict: CheckResult;
	/** Search steps over all keys (what the budget counts). */
	readonly steps: number;
}

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

/** A choice the search made, to undo on backtracking. */
interface Frame {
	readonly call: Node;
	/** The state before it. */
	readonly state: KeyState;
	/** `firstUnplaced` before it. */
	readonly firstUnplaced: number;
	/**
	 * No other choice is worth trying from the configuration before it: when it fails, so
	 * does that configuration.
	 */
	readonly forced: boolean;
}

/**
 * Gives up (undecided, reported as a failure) after this many search steps over the
 * whole history: a few seconds of search at most.
 */
export const DEFAULT_STEP_BUDGET = 10_000_000;

export function checkLinearizable(
	history: readonly HistoryOp[],
	stepBudget = DEFAULT_STEP_BUDGET,
): CheckResult {
	return analyseLinearizable(history, stepBudget).verdict;
}

/** The verdict and what the search cost. */
export function analyseLinearizable(
	history: readonly HistoryOp[],
	stepBudget = DEFAULT_STEP_BUDGET,
): Analysis {
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
	let steps = 0;
	for (const [key, ops] of byKey) {
		const outcome = checkKey(ops, stepBudget - steps);
		steps += outcome.steps;
		if (outcome.failure !== undefined) {
			const undecided = outcome.undecided;
			const reason = undecided
				? `undecided: the search gave up after ${stepBudget} steps (${outcome.failure})`
				: outcome.failure;
			return { verdict: { ok: false, key, reason, undecided }, steps };
		}
	}
	return { verdict: { ok: true }, steps };
}

interface KeyOutcome {
	readonly steps: number;
	/** Undefined if linearizable, else why not (or why undecided). */
	readonly failure: string | undefined;
	readonly undecided: boolean;
}

function checkKey(ops: readonly HistoryOp[], stepBudget: number): KeyOutcome {
	const head = buildList(ops);
	const visited = new VisitedConfigs(ops.length);
	const valueIds = new Map<string | null, number>([[null, 0]]);
	const valueId = (value: string | null): number => {
		let id = valueIds.get(value);
		if (id === undefined) {
			id = valueIds.size;
			valueIds.set(value, id);
		}
		return id;
	};
	// The answered operations by the revision each needs, lowest first; those before
	// `firstUnplaced` are all placed, so it points at the lowest revision still needed.
	const needs = ops.map((op) => (op.result === undefined ? 0 : revisionBefore(op.result)));
	const required = ops
		.map((_, i) => i)
		.filter((i) => (ops[i] as HistoryOp).result !== undefined)
		.sort((a, b) => (needs[a] as number) - (needs[b] as number));
	const placed = new Uint8Array(ops.length);
	const skipPlaced = (from: number): number => {
		let i = from;
		while (i < required.length && placed[required[i] as number] === 1) i++;
		return i;
	};
	const lowestNeeded = (at: number): number =>
		at < required.length ? (needs[required[at] as number] as number) : Number.POSITIVE_INFINITY;

	const stack: Frame[] = [];
	let state: KeyState = EMPTY_KEY;
	let firstUnplaced = 0;
	let entry = head.next;
	let steps = 0;
	let deepest = 0;
	const fail = (failure: string, undecided = false): KeyOutcome => ({
		steps,
		failure,
		undecided,
	});
	/** Undoes choices back to the last one with alternatives left; false if none is. */
	const backtrack = (): boolean => {
		for (;;) {
			const top = stack.pop();
			if (top === undefined) return false;
			state = top.state;
			visited.toggle(top.call.op);
			placed[top.call.op] = 0;
			firstUnplaced = top.firstUnplaced;
			unlift(top.call);
			if (!top.forced) {
				entry = top.call.next;
				return true;
			}
		}
	};
	const place = (call: Node, next: KeyState, forced: boolean, nextUnplaced: number): void => {
		stack.push({ call, state, firstUnplaced, forced });
		state = next;
		firstUnplaced = nextUnplaced;
		lift(call);
		deepest = Math.max(deepest, stack.length);
		entry = head.next;
	};
	// Done once every operation with a known outcome is linearized.
	while (firstUnplaced < required.length) {
		if (++steps > stepBudget) {
			return fail(`${deepest} of ${ops.length} operations placed at most`, true);
		}
		const current = entry as Node;
		if (current.isCall) {
			entry = current.next;
			const op = ops[current.op] as HistoryOp;
			const { state: next, result } = applyToKey(state, op.op);
			// An unknown outcome placed where it changes nothing is the same as never taking
			// effect, which its return (or the end) allows anyway: only try it where it acts.
			const fits =
				op.result === undefined
					? next.revision !== state.revision
					: resultsEqual(op.result, result);
			if (!fits) continue;
			if (op.result !== undefined) placed[current.op] = 1;
			const nextUnplaced = skipPlaced(firstUnplaced);
			const forced = op.result !== undefined && next.revision === state.revision;
			visited.toggle(current.op);
			if (
				next.revision <= lowestNeeded(nextUnplaced) &&
				visited.add(next.revision, valueId(next.value))
			) {
				place(current, next, forced, nextUnplaced);
				continue;
			}
			visited.toggle(current.op);
			placed[current.op] = 0;
			// A forced choice that cannot go on: nothing else from here can either.
			if (!forced) continue;
		} else if (current.optional) {
			// The last moment an unknown outcome could take effect passed: it never did. Every
			// call before this return was tried already, so this is the only way on.
			const call = current.match as Node;
			visited.toggle(call.op);
			if (visited.add(state.revision, valueId(state.value))) {
				place(call, state, true, firstUnplaced);
				continue;
			}
			visited.toggle(call.op);
		}
		// A return whose call is not linearized yet (or a forced choice failed): undo.
		if (!backtrack()) {
			return fail(`no order explains the ${ops.length} operations (at most ${deepest} fit)`);
		}
	}
	return { steps, failure: undefined, undecided: false };
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
