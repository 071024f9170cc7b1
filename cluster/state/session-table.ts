/**
 * Client sessions of a replicated state machine (Raft thesis §6.3): each client's last
 * sequence number and the result it got, so a command that reached the log twice takes
 * effect once and its retry gets the first answer. The KV store and the POP config machine
 * each keep one; generic in the result they remember.
 *
 * Bounded: at most `maxSessions` sessions. Recording a new one beyond that expires the
 * session least recently used by log index (every replica applies the same entries in the
 * same order, so every replica expires the same sessions; no clock is involved). The order
 * is a Map's insertion order, a session re-inserted whenever a command of its client is
 * applied, so each step is O(1).
 *
 * A client the table does not know starts at seq 1. A command of an unknown client with a
 * higher seq belongs to a session that expired (or to a client whose seq-1 command has not
 * been applied, e.g. one it gave up on): it is answered `session-expired` and not applied,
 * since it may be the retry of a command that was applied before its session went. The
 * table then remembers that client as expired from that seq on (a session whose result is
 * null): a retry of it, or any later seq, hears the same, and an older command of that
 * client arriving late is stale, so nothing the client sent takes effect after the answer
 * (a late older command cannot revive the client, nor a retry of a seq that was applied
 * before the session went). The client starts a new session (a new client id, seq 1).
 *
 * The gap this leaves: a seq-1 command applied, its session expired, then a retry of it
 * arrives before any later command of that client: the retry looks like a new client and is
 * applied a second time. With the default bound it takes 10,000 other clients writing
 * between a first attempt and its retry.
 */

/** The default bound on sessions per machine. */
export const MAX_SESSIONS = 10_000;

/**
 * The seq of a command sent without a session (a write with no session headers): it runs
 * each time it is applied and is never recorded, so a stream of such writes cannot expire
 * the sessions of clients that do retry. Its client id is fresh and only names the entry
 * (so its caller can tell its own entry in the log); a retry of it would be a second write,
 * as it always was.
 */
export const SESSIONLESS_SEQ = 0;

export interface Session<Result> {
	readonly seq: number;
	/** The first result of command `seq`; null: `seq` was answered session-expired. */
	readonly result: Result | null;
	/** The log index of the last command of this client the machine applied (0: unknown, from an old snapshot). */
	readonly lastUsed: number;
}

/** What a machine does with a command (client, seq), decided before it runs it. */
export type SessionCheck<Result> =
	/** Run it, then `record` its result. */
	| { readonly kind: "new" }
	/** The same (client, seq) again: not run twice, the first result. */
	| { readonly kind: "duplicate"; readonly result: Result }
	/** An older seq than the client's last: the client gave up on it; ignored. */
	| { readonly kind: "stale" }
	/**
	 * An unknown client with seq > 1 (its session expired, or never began), or a client
	 * already answered so at this seq or below: nothing runs.
	 */
	| { readonly kind: "session-expired" };

/** What became of a command: run once, or one of the session table's other answers. */
export type CommandOutcome<Result> =
	| { readonly kind: "applied"; readonly result: Result }
	| Exclude<SessionCheck<Result>, { readonly kind: "new" }>;

export class SessionTable<Result> {
	/** Least recently used first: a session used again is moved to the end. */
	#sessions = new Map<number, Session<Result>>();

	constructor(readonly maxSessions: number = MAX_SESSIONS) {
		if (!Number.isInteger(maxSessions) || maxSessions < 1)
			throw new RangeError(`maxSessions must be a positive whole number, not ${maxSessions}`);
	}

	/**
	 * What to do with command (client, seq) applied at `index`. A known client's session
	 * counts as used at `index` (duplicate and stale too: the client is alive). An unknown
	 * client with seq > 1 is remembered as answered session-expired at that seq.
	 */
	check(client: number, seq: number, index: number): SessionCheck<Result> {
		const session = this.#sessions.get(client);
		if (session === undefined) {
			if (seq === 1) return { kind: "new" };
			this.#use(client, { seq, result: null, lastUsed: index });
			this.#trim();
			return { kind: "session-expired" };
		}
		const expired = session.result === null;
		if (seq > session.seq && !expired) return { kind: "new" };
		this.#use(client, { ...session, lastUsed: index });
		if (seq < session.seq) return { kind: "stale" };
		if (session.result === null) return { kind: "session-expired" };
		return { kind: "duplicate", result: session.result };
	}

	/**
	 * Command (client, seq) at `index`, exactly once: `execute` runs only when the check
	 * says it is new, and its result is recorded. What every machine with sessions does.
	 */
	run(client: number, seq: number, index: number, execute: () => Result): CommandOutcome<Result> {
		if (seq === SESSIONLESS_SEQ) return { kind: "applied", result: execute() };
		const check = this.check(client, seq, index);
		if (check.kind !== "new") return check;
		const result = execute();
		this.record(client, seq, result, index);
		return { kind: "applied", result };
	}

	/** The result of command (client, seq) that ran at `index`; may expire the least recently used session. */
	record(client: number, seq: number, result: Result, index: number): void {
		this.#use(client, { seq, result, lastUsed: index });
		this.#trim();
	}

	get size(): number {
		return this.#sessions.size;
	}

	get(client: number): Session<Result> | undefined {
		return this.#sessions.get(client);
	}

	/** Every session, least recently used first. */
	entries(): IterableIterator<[number, Session<Result>]> {
		return this.#sessions.entries();
	}

	/**
	 * The table a snapshot held: sessions in ascending `lastUsed` (a stable sort, so ties
	 * keep the order given; an old snapshot's sessions all have 0). Beyond the bound, the
	 * least recently used go.
	 */
	static restore<Result>(
		sessions: Iterable<readonly [number, Session<Result>]>,
		maxSessions: number = MAX_SESSIONS,
	): SessionTable<Result> {
		const table = new SessionTable<Result>(maxSessions);
		const ordered = [...sessions].sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
		for (const [client, session] of ordered) table.#sessions.set(client, session);
		table.#trim();
		return table;
	}

	#use(client: number, session: Session<Result>): void {
		this.#sessions.delete(client);
		this.#sessions.set(client, session);
	}

	#trim(): void {
		while (this.#sessions.size > this.maxSessions) {
			const oldest = this.#sessions.keys().next();
			if (oldest.done) return;
			this.#sessions.delete(oldest.value);
		}
	}
}
