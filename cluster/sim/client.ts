/**
 * A simulated KV client: one operation at a time, sent to the node it thinks leads,
 * retried (same sequence number) on NotLeader, on "retry" and on timeout, and recorded in
 * the history with its call and return on the simulation's clock. While faults run it may
 * give up after some attempts: the operation stays pending (it may or may not take effect).
 */
import type { KvOp } from "../kv/ops.ts";
import { NONE, type NodeId } from "../raft/messages.ts";
import type { EventQueue } from "./event-queue.ts";
import type { HistoryOp } from "./linearizability.ts";
import type { Prng } from "./prng.ts";
import type { ClientReply, ClientRequest } from "./sim-node.ts";

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
	op: KvOp;
	call: number;
	/** Virtual time of the call, for reports. */
	callTime: number;
	ret: number | undefined;
	result: HistoryOp["result"];
}

interface Current {
	readonly seq: number;
	readonly op: KvOp;
	readonly record: MutableHistoryOp;
	attempts: number;
	reqId: number;
	target: NodeId;
}

export class SimClient {
	readonly history: MutableHistoryOp[] = [];
	gaveUp = 0;
	private seq = 0;
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
			case "notLeader":
				this.guess = reply.leader !== NONE && reply.leader !== current.target ? reply.leader : NONE;
				this.retry(current);
				return;
			case "retry":
				this.retry(current);
				return;
		}
	}

	private nextOp(): void {
		if (this.env.queue.now >= this.env.stopAt) return;
		const op = this.randomOp();
		const record: MutableHistoryOp = {
			client: this.id,
			op,
			call: this.env.stamp(),
			callTime: this.env.queue.now,
			ret: undefined,
			result: undefined,
		};
		this.history.push(record);
		this.current = { seq: ++this.seq, op, record, attempts: 0, reqId: -1, target: NONE };
		this.attempt(this.current);
	}

	private attempt(current: Current): void {
		current.attempts++;
		const target = this.guess !== NONE ? this.guess : this.rng.pick(this.env.nodes);
		const reqId = this.env.newRequestId();
		current.reqId = reqId;
		current.target = target;
		this.env.send(target, { reqId, client: this.id, seq: current.seq, op: current.op });
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
		const value = `${this.id}.${this.seq + 1}`;
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
 * A client's abandoned write can still reach the log, but the store applies a client's
 * commands only in sequence order (kv/store.ts sessions): once a later write of the same
 * client was applied, the abandoned one is ignored. So its effect, if any, came before that
 * later write's answer, which becomes its `ret` (its result stays unknown).
 */
export function boundAbandonedWrites(history: readonly MutableHistoryOp[]): HistoryOp[] {
	const out: HistoryOp[] = [];
	for (const [i, op] of history.entries()) {
		if (op.result !== undefined || op.op.kind === "get") {
			out.push(op);
			continue;
		}
		const later = history
			.slice(i + 1)
			.find((next) => next.op.kind !== "get" && next.result !== undefined);
		out.push({ ...op, ret: later?.ret });
	}
	return out;
}
