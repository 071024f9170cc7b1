/**
 * Who waits on which entry of a member's log, and which client session (client id,
 * sequence number) each unapplied entry carries. The session index is what lets a leader
 * answer a retried write from the entry already in its log (proposed by it, or by an earlier
 * leader) instead of proposing it again: the retry then waits for that entry's result.
 * Pure bookkeeping; the member (raft-node.ts) feeds it its Readies and applies. Generic in
 * the result a caller gets (a KV result by default; the member's covers every machine).
 */
import type { KvResult } from "../kv/ops.ts";
import type { Entry, NodeId } from "../raft/messages.ts";
import { entrySession } from "../state/entry-encoding.ts";

export type Answer<Result = KvResult> =
	| { readonly kind: "ok"; readonly result: Result }
	| { readonly kind: "notLeader"; readonly leader: NodeId };

/**
 * A command's answer: a read's, or its session had expired (nothing applied; start a new
 * one), or its seq was stale (the session already applied a later seq: this one was
 * ignored), or its entry was too large to log (refused before it was proposed).
 */
export type CommandAnswer<Result = KvResult> =
	| Answer<Result>
	| { readonly kind: "session-expired" }
	| { readonly kind: "stale-seq" }
	| EntryTooLarge;

/** A command whose entry would be `chars` code units, above `max` (state/entry-encoding.ts). */
export type EntryTooLarge = {
	readonly kind: "too-large";
	readonly chars: number;
	readonly max: number;
};

interface Waiting<Result> {
	readonly client: number;
	readonly seq: number;
	readonly resolve: (answer: CommandAnswer<Result>) => void;
}

/** What applying one entry came to, for the callers waiting on it. */
export type Applied<Result = KvResult> =
	| {
			readonly kind: "command";
			readonly client: number;
			readonly seq: number;
			readonly result: Result;
	  }
	/** The command's session had expired: the machine did nothing with it. */
	| { readonly kind: "session-expired"; readonly client: number; readonly seq: number }
	/**
	 * The session had already applied a later seq: the machine ignored this one (a late
	 * copy or retry of a write its client moved on from).
	 */
	| { readonly kind: "stale"; readonly client: number; readonly seq: number }
	/** A no-op, or an entry without a command's outcome. */
	| { readonly kind: "other" };

const sessionKey = (client: number, seq: number) => `${client}:${seq}`;

export class ProposalWaiters<Result = KvResult> {
	readonly #waiting = new Map<number, Waiting<Result>[]>();
	/** Sessions of unapplied entries in the log: key -> index, and index -> key. */
	readonly #indexOfSession = new Map<string, number>();
	readonly #sessionAt = new Map<number, string>();
	/** The highest index with a session noted: where a truncation's sweep stops. */
	#highestNoted = 0;

	/** The unapplied entry carrying this session, if the log holds one. */
	indexOf(client: number, seq: number): number | undefined {
		return this.#indexOfSession.get(sessionKey(client, seq));
	}

	/** `resolve` is answered once the entry at `index` is applied (or replaced). */
	wait(
		index: number,
		client: number,
		seq: number,
		resolve: (answer: CommandAnswer<Result>) => void,
	): void {
		const list = this.#waiting.get(index);
		if (list === undefined) this.#waiting.set(index, [{ client, seq, resolve }]);
		else list.push({ client, seq, resolve });
		this.#note(index, sessionKey(client, seq));
	}

	/**
	 * Entries going into the log (a Ready's): they replace every entry from the first one's
	 * index on. Callers waiting on a replaced entry learn now that theirs is gone.
	 */
	logged(entries: readonly Entry[], leader: NodeId): void {
		const first = entries[0];
		if (first === undefined) return;
		for (let index = first.index; index <= this.#highestNoted; index++) {
			const key = this.#sessionAt.get(index);
			if (key === undefined) continue;
			this.#sessionAt.delete(index);
			if (this.#indexOfSession.get(key) === index) this.#indexOfSession.delete(key);
		}
		this.#highestNoted = Math.min(this.#highestNoted, first.index - 1);
		for (const entry of entries) {
			const session = entrySession(entry.data);
			const key = session === undefined ? undefined : sessionKey(session.client, session.seq);
			if (key !== undefined) this.#note(entry.index, key);
			const waiting = this.#waiting.get(entry.index);
			if (waiting === undefined) continue;
			const kept = waiting.filter((w) => sessionKey(w.client, w.seq) === key);
			for (const w of waiting) if (!kept.includes(w)) w.resolve({ kind: "notLeader", leader });
			if (kept.length === 0) this.#waiting.delete(entry.index);
			else this.#waiting.set(entry.index, kept);
		}
	}

	/**
	 * Entries a member found in its write-ahead log at start, none applied yet: their
	 * sessions are noted, so a retry of one (once the member leads) waits for it instead of
	 * logging it again. Nobody waits on them yet.
	 */
	recovered(entries: readonly Entry[]): void {
		for (const entry of entries) {
			const session = entrySession(entry.data);
			if (session !== undefined) this.#note(entry.index, sessionKey(session.client, session.seq));
		}
	}

	/**
	 * The entry at `index` was applied: its callers get the result (or session-expired, or
	 * stale-seq), or NotLeader if it was not theirs.
	 */
	applied(index: number, outcome: Applied<Result>, leader: NodeId): void {
		const key = this.#sessionAt.get(index);
		this.#sessionAt.delete(index);
		if (key !== undefined && this.#indexOfSession.get(key) === index)
			this.#indexOfSession.delete(key);
		const waiting = this.#waiting.get(index);
		if (waiting === undefined) return;
		this.#waiting.delete(index);
		for (const w of waiting) {
			const theirs =
				outcome.kind !== "other" && outcome.client === w.client && outcome.seq === w.seq;
			if (!theirs) w.resolve({ kind: "notLeader", leader });
			else if (outcome.kind === "command") w.resolve({ kind: "ok", result: outcome.result });
			else if (outcome.kind === "session-expired") w.resolve({ kind: "session-expired" });
			else w.resolve({ kind: "stale-seq" });
		}
	}

	/**
	 * A leader's snapshot replaced the log up to `index`: whether the entries its callers
	 * waited on are in it is unknown here, so they hear NotLeader and retry (their session
	 * makes the retry apply once).
	 */
	coveredBySnapshot(index: number, leader: NodeId): void {
		for (const [at, list] of this.#waiting) {
			if (at > index) continue;
			this.#waiting.delete(at);
			for (const w of list) w.resolve({ kind: "notLeader", leader });
		}
		for (const [at, key] of this.#sessionAt) {
			if (at > index) continue;
			this.#sessionAt.delete(at);
			if (this.#indexOfSession.get(key) === at) this.#indexOfSession.delete(key);
		}
	}

	/** The member stops: nobody waits for an entry it will never apply. */
	abandonAll(leader: NodeId): void {
		for (const list of this.#waiting.values())
			for (const w of list) w.resolve({ kind: "notLeader", leader });
		this.#waiting.clear();
	}

	get waitingCount(): number {
		let count = 0;
		for (const list of this.#waiting.values()) count += list.length;
		return count;
	}

	#note(index: number, key: string): void {
		const previous = this.#sessionAt.get(index);
		if (previous !== undefined && this.#indexOfSession.get(previous) === index)
			this.#indexOfSession.delete(previous);
		this.#sessionAt.set(index, key);
		this.#indexOfSession.set(key, index);
		this.#highestNoted = Math.max(this.#highestNoted, index);
	}
}
