/**
 * A simulated KV client: one operation at a time, sent to the node it thinks leads,
 * retried (same sequence number) on NotLeader, on "retry" and on timeout, and recorded in
 * the history with its call and return on the simulation's clock. While faults run it may
 * give up after some attempts: the operation stays pending (it may or may not take effect).
 *
 * Its writes carry a session: a client id the cluster registered for it (a session entry
 * through the log, before its first write, Raft thesis §6.3) and a seq numbering its
 * writes 1, 2, 3... (reads carry none: they do not go through the log). When the store no
 * longer knows the session (sessionExpired), the write's outcome is unknown (an earlier
 * attempt may have been applied before the session expired) and the client registers a
 * new session before its next write.
 */
import type { KvOp } from "../kv/ops.ts";
import { NONE, type NodeId } from "../raft/messages.ts";
import type { EventQueue } from "./event-queue.ts";
import type { HistoryOp } from "./linearizability.ts";
import type { Prng } from "./prng.ts";
import type { ClientReply, ClientRequest, RegisterSession } from "./sim-node.ts";

export interface ClientEnv {
	readonly queue: EventQueue;
	readonly nodes: readonly NodeId[];
	readonly keys: readonly string[];
	/** A strictly increasing position for history calls and returns. */
	stamp(): number;
	newRequestId(): number;
	send(to: NodeId, request: ClientRequest): void;
	/** No new operations from this time on. */
	readonly stopAt: number;
	/** Give up on an operation after this many attempts, while this says so. */
	mayGiveUp(): boolean;
	readonly maxAttempts: number;
	/** Time units before an attempt counts as timed out. */
	readonly timeout: number;
	/** Share of operations that are reads (the rest: puts, deletes, compare-and-sets). */
	readonly readShare: number;
}

export interface MutableHistoryOp {
	client: number;
	/** The session (client id) a write was sent under, when a client changes sessions. */
	session?: number;
	/**
	 * When a write was answered sessionExpired (a stamp, as `ret`): no result, its outcome
	 * unknown, but nothing it or an earlier write of its session sent takes effect after it.
	 */
	sessionExpiredAt?: number;
	op: KvOp;
	call: number;
	/** Virtual time of the call, for reports. */
	callTime: number;
	ret: number | undefined;
	result: HistoryOp["result"];
}

/** What a client has in flight: an operation, or the registration a write waits for. */
type Current = (
	| {
			readonly kind: "op";
			readonly op: KvOp;
			readonly seq: number;
			readonly record: MutableHistoryOp;
	  }
	/** `pending`: the write that goes once the session is registered. */
	| { readonly kind: "register"; readonly op: RegisterSession; readonly pending: KvOp }
) & {
	attempts: number;
	reqId: number;
	target: NodeId;
};

/** Registration nonces of one client: its id, then id + k * NONCE_STRIDE (client ids stay below it). */
const NONCE_STRIDE = 1_000_000;

export class SimClient {
	readonly history: MutableHistoryOp[] = [];
	gaveUp = 0;
	/** Writes answered sessionExpired (each makes the client register a new session). */
	sessionsExpired = 0;
	/** Operations started, reads too (values are named after it). */
	private count = 0;
	/** The registered session (none before the first write, and after an expiry) and the seq of its last write. */
	private session: number | undefined;
	private seq = 0;
	private registrations = 0;
	private guess: NodeId = NONE;
	private current: Current | undefined;
	private readonly lastSeen = new Map<string, string | null>();

	constructor(
		readonly id: number,
		private readonly rng: Prng,
		private readonly env: ClientEnv,
	) {}

	start(): void {
		this.env.queue.after(this.rng.int(0, 50), () => this.nextOp());
	}

	get busy(): boolean {
		return this.current !== undefined;
	}

	onReply(reply: ClientReply): void {
		const current = this.current;
		if (!current || reply.reqId !== current.reqId) return; // a late or duplicate answer
		current.reqId = -1;
		switch (reply.kind) {
			case "ok": {
				if (current.kind === "register") {
					this.retry(current);
					return;
				}
				current.record.ret = this.env.stamp();
				current.record.result = reply.result;
				if (reply.result.kind !== "put" && reply.result.kind !== "delete") {
					this.lastSeen.set(current.op.key, reply.result.value);
				}
				this.guess = current.target;
				this.current = undefined;
				this.env.queue.after(this.rng.int(0, 30), () => this.nextOp());
				return;
			}
			case "registered": {
				if (current.kind !== "register") {
					this.retry(current);
					return;
				}
				this.session = reply.session;
				this.seq = 0;
				this.guess = current.target;
				this.begin(current.pending);
				return;
			}
			case "notLeader":
				this.guess = reply.leader !== NONE && reply.leader !== current.target ? reply.leader : NONE;
				this.retry(current);
				return;
			case "retry":
				this.retry(current);
				return;
			case "sessionExpired":
				if (current.kind === "register") {
					this.retry(current);
					return;
				}
				// Applied nowhere now, but an earlier attempt may have been before the session
				// expired: the write's outcome is unknown, and the next registers a new session.
				this.sessionsExpired++;
				current.record.sessionExpiredAt = this.env.stamp();
				this.session = undefined;
				this.current = undefined;
				this.env.queue.after(this.rng.int(0, 30), () => this.nextOp());
				return;
		}
	}

	private nextOp(): void {
		if (this.env.queue.now >= this.env.stopAt) return;
		const op = this.randomOp();
		this.count++;
		if (op.kind !== "get" && this.session === undefined) {
			const nonce = this.id + NONCE_STRIDE * this.registrations++;
			const register: RegisterSession = { kind: "register", nonce };
			this.current = {
				kind: "register",
				op: register,
				pending: op,
				attempts: 0,
				reqId: -1,
				target: NONE,
			};
			this.attempt(this.current);
			return;
		}
		this.begin(op);
	}

	/** Records `op` in the history and sends it (a write under the registered session). */
	private begin(op: KvOp): void {
		const session = this.session;
		const write = op.kind !== "get";
		const record: MutableHistoryOp = {
			client: this.id,
			...(write && session !== undefined ? { session } : {}),
			op,
			call: this.env.stamp(),
			callTime: this.env.queue.now,
			ret: undefined,
			result: undefined,
		};
		this.history.push(record);
		// A read carries the session's last seq (never proposed, so never checked).
		const seq = write ? ++this.seq : this.seq;
		this.current = { kind: "op", seq, op, record, attempts: 0, reqId: -1, target: NONE };
		this.attempt(this.current);
	}

	private attempt(current: Current): void {
		current.attempts++;
		const target = this.guess !== NONE ? this.guess : this.rng.pick(this.env.nodes);
		const reqId = this.env.newRequestId();
		current.reqId = reqId;
		current.target = target;
		const op = current.kind === "op";
		this.env.send(target, {
			reqId,
			client: this.id,
			session: op ? (this.session ?? 0) : 0,
			seq: op ? current.seq : 0,
			op: current.op,
		});
		this.env.queue.after(this.env.timeout, () => {
			if (this.current !== current || current.reqId !== reqId) return;
			current.reqId = -1;
			this.guess = NONE;
			this.retry(current);
		});
	}

	private retry(current: Current): void {
		if (this.env.mayGiveUp() && current.attempts >= this.env.maxAttempts) {
			this.gaveUp++;
			this.current = undefined;
			// A client that gave up backs off before trying something else.
			this.env.queue.after(this.rng.int(200, 1_000), () => this.nextOp());
			return;
		}
		this.env.queue.after(this.rng.int(5, 30), () => {
			if (this.current === current) this.attempt(current);
		});
	}

	private randomOp(): KvOp {
		const key = this.rng.pick(this.env.keys);
		const value = `${this.id}.${this.count + 1}`;
		if (this.rng.chance(this.env.readShare)) return { kind: "get", key };
		const roll = this.rng.next();
		if (roll < 0.45) return { kind: "put", key, value };
		if (roll < 0.6) return { kind: "delete", key };
		const seen = this.lastSeen.get(key);
		const expected = seen !== undefined && this.rng.chance(0.7) ? seen : null;
		return { kind: "cas", key, expected, value };
	}
}

/**
 * A client's abandoned write can still reach the log, but the store applies a session's
 * commands only in sequence order (kv/store.ts sessions): once a later write of the same
 * session was applied, or answered session-expired (the store then keeps that seq, so older
 * ones are stale), the abandoned one is ignored. So its effect, if any, came before that
 * answer, which becomes its `ret` (its result stays unknown); a write answered
 * session-expired is bounded by its own answer. Writes of another session bound nothing.
 * This holds however few sessions the store keeps: the client's sessions are registered,
 * and a command of a registered session the store has forgotten is never applied
 * (state/session-table.ts).
 */
export function boundAbandonedWrites(history: readonly MutableHistoryOp[]): HistoryOp[] {
	const out: HistoryOp[] = [];
	for (const [i, op] of history.entries()) {
		if (op.result !== undefined || op.op.kind === "get") {
			out.push(op);
			continue;
		}
		if (op.sessionExpiredAt !== undefined) {
			out.push({ ...op, ret: op.sessionExpiredAt });
			continue;
		}
		const later = history
			.slice(i + 1)
			.find(
				(next) =>
					next.op.kind !== "get" &&
					next.session === op.session &&
					(next.result !== undefined || next.sessionExpiredAt !== undefined),
			);
		out.push({ ...op, ret: later?.result !== undefined ? later.ret : later?.sessionExpiredAt });
	}
	return out;
}
