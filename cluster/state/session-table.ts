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
 * Two kinds of client id (thesis §6.3 and what came before it):
 * - A registered session: the client first asks the cluster for one (a session entry in the
 *   log, state/entry-encoding.ts), and its id is REGISTERED_CLIENT_BASE + that entry's log
 *   index, the same on every replica. The table records it with seq 0 and no result. A
 *   command of a registered id the table does not know, at any seq, is answered
 *   `session-expired` and not applied: the session expired (or never was), and the command
 *   may be the retry of one applied before it went. Nothing is ever applied twice.
 * - A client-chosen id (at most REGISTERED_CLIENT_BASE, e.g. a random 48-bit one): a
 *   client the table does not know starts a session at seq 1. With a higher seq it is
 *   answered `session-expired`, as above. The gap this leaves, and why clients should
 *   register: a seq-1 command applied, its session expired, then a retry of it arrives
 *   before any later command of that client: the retry looks like a new client and is
 *   applied a second time. With the default bound it takes 10,000 other clients writing
 *   between a first attempt and its retry. Kept so that logs written before registration
 *   apply as they always did.
 *
 * After a `session-expired` answer the table remembers that client as expired from that seq
 * on (a session whose result is null and whose seq is above 0): a retry of it, or any later
 * seq, hears the same, and an older command of that client arriving late is stale, so
 * nothing the client sent takes effect after the answer. The client starts a new session.
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

/**
 * Registered session ids start above this, so no id a client picked from the 48-bit space
 * `randomClientId` draws from is taken for one; both stay below 10^15 (the API's limit on
 * client ids) for any log index below 7 * 10^14.
 */
export const REGISTERED_CLIENT_BASE = 2 ** 48;

/** The id of the session registered by the log entry at `index`. */
export function registeredClientId(index: number): number {
	return REGISTERED_CLIENT_BASE + index;
}

/** Was `client` handed out by a session entry, rather than picked by its client? */
export function isRegisteredClientId(client: number): boolean {
	return client > REGISTERED_CLIENT_BASE;
}

export interface Session<Result> {
	/** The client's last seq; 0 for a registered session that has run nothing yet. */
	readonly seq: number;
	/**
	 * The first result of command `seq`; null: `seq` was answered session-expired (or, with
	 * seq 0, nothing has run yet: see isExpired).
	 */
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
	 * An unknown registered client at any seq, or an unknown client-chosen one past seq 1
	 * (the session expired, or never began), or a client already answered so at this seq or
	 * below: nothing runs.
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
	 * client that may not start here is remembered as answered session-expired at that seq.
	 */
	check(client: number, seq: number, index: number): SessionCheck<Result> {
		const session = this.#sessions.get(client);
		if (session === undefined) {
			if (seq === 1 && !isRegisteredClientId(client)) return { kind: "new" };
			this.#use(client, { seq, result: null, lastUsed: index });
			this.#trim();
			return { kind: "session-expired" };
		}
		const expired = isExpired(session);
		if (seq > session.seq && !expired) return { kind: "new" };
		this.#use(client, { ...session, lastUsed: index });
		if (seq < session.seq) return { kind: "stale" };
		if (session.result === null) return { kind: "session-expired" };
		return { kind: "duplicate", result: session.result };
	}

	/**
	 * The session the entry at `index` registers: recorded at seq 0 with nothing run, as
	 * used at `index` (it may expire the least recently used). Returns its client id.
	 */
	register(index: number): number {
		const client = registeredClientId(index);
		this.#use(client, { seq: 0, result: null, lastUsed: index });
		this.#trim();
		return client;
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

/** Was the session's last seq answered session-expired? (A registered one at seq 0 was not.) */
function isExpired<Result>(session: Session<Result>): boolean {
	return session.result === null && session.seq > 0;
}
