/**
 * What lets the member pipeline its Readies (pure; used by raft-node.ts):
 *
 * - coalesceAppends: a leader's Ready often holds many appends to one follower (the core
 *   sends one per proposal while its window is open). Back-to-back appends to the same
 *   follower whose entries continue each other become one message: one encode, one frame,
 *   one follower Ready and one answer instead of N. The follower sees exactly what the N
 *   appends would have told it, in one step.
 *
 * - AckGate: a leader may send its appends before its own fsync (Raft thesis §10.2.1),
 *   but the core counts the leader's whole log as matched when it computes the commit
 *   index. The gate keeps that count honest: a follower's success for an index the leader
 *   has not itself made durable is held back (with everything after it from that follower,
 *   so each follower's messages still reach the core in order) until the leader's save
 *   covering it returns. The core can then only commit what the leader and the
 *   acknowledging followers all hold on disk: a majority. (With one Ready at a time, a
 *   commit reached during the leader's fsync could not leave in a message or reach the
 *   state machine before that fsync anyway; the gate keeps the core's own commit index,
 *   which status and ReadIndex read, true as well, and the rule independent of that.)
 *
 * - mayShipEarly / hardStateToSave: when a Ready's messages may leave before its fsync, and
 *   which hard state it must write at all.
 */
import { DEFAULT_MAX_APPEND_DATA_CHARS } from "../raft/append-budget.ts";
import type { Append, HardState, Message, NodeId } from "../raft/messages.ts";

const sameTermAndVote = (a: HardState, b: HardState) => a.term === b.term && a.vote === b.vote;

/**
 * A leader's appends and heartbeats may leave before its fsync when the Ready changes
 * neither term nor vote (those must be durable before any message of the new term or
 * carrying the vote); every other message waits, as ready.ts says.
 */
export function mayShipEarly(
	leading: boolean,
	hard: HardState | undefined,
	durable: HardState,
): boolean {
	return leading && (hard === undefined || sameTermAndVote(hard, durable));
}

/**
 * The hard state a Ready must write: none when only the commit index changed and there are
 * no entries (etcd's MustSync rule). The commit index promises nothing to anyone and a
 * restarted member learns it again from the leader, so it need not cost an fsync of its
 * own: it rides along with the next entries, term or vote written.
 */
export function hardStateToSave(
	hard: HardState | undefined,
	entryCount: number,
	durable: HardState,
): HardState | undefined {
	if (hard === undefined) return undefined;
	if (entryCount === 0 && sameTermAndVote(hard, durable)) return undefined;
	return hard;
}

export interface CoalesceLimits {
	/** Most entries in one merged append. */
	readonly maxEntries: number;
	/** Most characters of entry data in one merged append (frames are bounded). */
	readonly maxDataChars: number;
}

export const DEFAULT_COALESCE_LIMITS: CoalesceLimits = {
	maxEntries: 1024,
	maxDataChars: DEFAULT_MAX_APPEND_DATA_CHARS,
};

function dataChars(append: Append): number {
	let n = 0;
	for (const entry of append.entries) n += entry.data.length;
	return n;
}

/**
 * Merges each append into the previous message to the same peer when that one is an append
 * of the same term whose entries this one continues (prevIndex right after its last entry).
 * The merged append keeps the first's prevIndex/prevTerm and the later commit (a leader's
 * commit only grows). Other messages, and the order of each peer's messages, are untouched.
 */
export function coalesceAppends(
	messages: readonly Message[],
	limits: CoalesceLimits = DEFAULT_COALESCE_LIMITS,
): Message[] {
	const out: Message[] = [];
	/** Per peer: where its last message sits in `out`, and that append's data size. */
	const lastTo = new Map<NodeId, { at: number; chars: number }>();
	for (const message of messages) {
		const last = lastTo.get(message.to);
		const previous = last === undefined ? undefined : out[last.at];
		if (
			message.type === "app" &&
			last !== undefined &&
			previous?.type === "app" &&
			previous.term === message.term &&
			previous.from === message.from &&
			message.prevIndex === previous.prevIndex + previous.entries.length &&
			previous.entries.length + message.entries.length <= limits.maxEntries
		) {
			const chars = last.chars + dataChars(message);
			if (chars <= limits.maxDataChars) {
				out[last.at] = {
					...previous,
					entries: [...previous.entries, ...message.entries],
					commit: Math.max(previous.commit, message.commit),
				};
				last.chars = chars;
				continue;
			}
		}
		lastTo.set(message.to, {
			at: out.length,
			chars: message.type === "app" ? dataChars(message) : 0,
		});
		out.push(message);
	}
	return out;
}

/** A follower's success that the leader may count only once its own copy is durable. */
function needsDurable(message: Message, durable: number): boolean {
	return message.type === "appResp" && !message.reject && message.index > durable;
}

export class AckGate {
	readonly #held = new Map<NodeId, Message[]>();

	/**
	 * True if `message` must wait (it is then kept, in arrival order per sender): while
	 * `leading` in `term`, a success beyond `durable`, or anything after a held one.
	 */
	hold(message: Message, durable: number, leading: boolean, term: number): boolean {
		const queue = this.#held.get(message.from);
		if (queue !== undefined) {
			queue.push(message);
			return true;
		}
		if (!leading || message.term !== term || !needsDurable(message, durable)) return false;
		this.#held.set(message.from, [message]);
		return true;
	}

	/**
	 * The held messages that may reach the core now that the leader's log is durable up to
	 * `durable`, oldest first per sender. Everything goes once this node no longer leads,
	 * and a success from another term goes at once (the core ignores what no longer
	 * concerns it; holding it could block that follower's later messages for long).
	 */
	release(durable: number, leading: boolean, term: number): Message[] {
		const out: Message[] = [];
		const mayGo = (m: Message) => !leading || m.term !== term || !needsDurable(m, durable);
		for (const [from, queue] of this.#held) {
			let n = 0;
			while (n < queue.length && mayGo(queue[n] as Message)) n++;
			out.push(...queue.slice(0, n));
			if (n === queue.length) this.#held.delete(from);
			else queue.splice(0, n);
		}
		return out;
	}

	get heldCount(): number {
		let n = 0;
		for (const queue of this.#held.values()) n += queue.length;
		return n;
	}
}
