/**
 * A client of a real cluster that records a history for the linearizability checker: one
 * operation at a time through neuroctl's client (NotLeader followed, failures retried until
 * the operation's deadline), writes under one session it registers with the cluster (client
 * id, seq 1, 2, 3...) so a retry is applied once. An operation that ends without an answer (timeout, connection
 * errors all the way) is recorded with an unknown outcome. A write answered 409
 * session-expired (the cluster no longer knows the session, e.g. after a first write that
 * timed out never reached the log) also has an unknown outcome, and the client registers a
 * new session before its next write. Every `ledgerEvery`th operation
 * is a put to a key of its own, so the test can check each acknowledged write afterwards.
 */
import type * as v from "valibot";
import { CtlClient, CtlError, EXIT } from "../../cluster/ctl/client.ts";
import {
	CasAnswer,
	casPath,
	DeleteAnswer,
	KeyAnswer,
	kvPath,
	SESSION_EXPIRED,
	WriteAnswer,
} from "../../cluster/kv/http-api.ts";
import type { KvOp, KvResult } from "../../cluster/kv/ops.ts";
import { sessionHeaders } from "../../cluster/kv/session-headers.ts";
import type { MutableHistoryOp } from "../../cluster/sim/client.ts";
import type { Prng } from "../../cluster/sim/prng.ts";

export interface HistoryClientOptions {
	readonly id: number;
	readonly endpoints: () => readonly string[];
	readonly keys: readonly string[];
	readonly rng: Prng;
	readonly opTimeoutMs: number;
	readonly ledgerEvery: number;
}

export class HistoryClient {
	readonly history: MutableHistoryOp[] = [];
	/** Ledger puts that were acknowledged: key -> value. */
	readonly acknowledged = new Map<string, string>();
	#seq = 0;
	#count = 0;
	/** The registered session's client id; none before the first write and after an expiry. */
	#session: number | undefined;
	readonly #lastSeen = new Map<string, string | null>();

	constructor(private readonly options: HistoryClientOptions) {}

	/** Runs operations one after another until `stop()` says so. */
	async run(stop: () => boolean): Promise<void> {
		while (!stop()) await this.#one(this.#nextOp());
	}

	#nextOp(): KvOp {
		const { rng, keys, id, ledgerEvery } = this.options;
		this.#count++;
		if (this.#count % ledgerEvery === 0)
			return { kind: "put", key: `ledger-${id}-${this.#count}`, value: `${id}.${this.#count}` };
		const key = keys[rng.int(0, keys.length - 1)] as string;
		const value = `${id}.${this.#count}`;
		const roll = rng.next();
		if (roll < 0.4) return { kind: "get", key };
		if (roll < 0.7) return { kind: "put", key, value };
		if (roll < 0.9) return { kind: "cas", key, expected: this.#lastSeen.get(key) ?? null, value };
		return { kind: "delete", key };
	}

	async #one(op: KvOp): Promise<void> {
		const client = new CtlClient(this.options.endpoints(), this.options.opTimeoutMs);
		const sessionId = op.kind === "get" ? undefined : await this.#sessionFor(client);
		if (op.kind !== "get" && sessionId === undefined) return;
		const record: MutableHistoryOp = {
			client: this.options.id,
			...(sessionId === undefined ? {} : { session: sessionId }),
			op,
			call: performance.now(),
			callTime: performance.now(),
			ret: undefined,
			result: undefined,
		};
		this.history.push(record);
		const session = sessionId === undefined ? {} : sessionHeaders(sessionId, ++this.#seq);
		try {
			record.result = await this.#send(client, op, session);
			record.ret = performance.now();
		} catch (error) {
			if (error instanceof CtlError && error.reason === SESSION_EXPIRED) {
				// Applied nowhere now, but an earlier attempt may have been: unknown outcome.
				record.sessionExpiredAt = performance.now();
				this.#session = undefined;
				return;
			}
			// No answer in time: it may or may not have taken effect. Anything else is a bug.
			if (!(error instanceof CtlError) || error.exitCode !== EXIT.unreachable) throw error;
			return;
		}
		const result = record.result;
		if (result.kind === "get" || result.kind === "cas") this.#lastSeen.set(op.key, result.value);
		if (op.kind === "put") {
			this.#lastSeen.set(op.key, op.value);
			if (op.key.startsWith("ledger-")) this.acknowledged.set(op.key, op.value);
		}
		if (op.kind === "delete") this.#lastSeen.set(op.key, null);
	}

	/**
	 * The session a write goes under, registered first when there is none. Undefined when no
	 * registration was answered in time: the write is then never sent, so it is not recorded.
	 */
	async #sessionFor(client: CtlClient): Promise<number | undefined> {
		if (this.#session !== undefined) return this.#session;
		try {
			this.#session = await client.registerSession();
		} catch (error) {
			if (error instanceof CtlError && error.exitCode === EXIT.unreachable) return undefined;
			throw error;
		}
		this.#seq = 0;
		return this.#session;
	}

	async #send(client: CtlClient, op: KvOp, session: Record<string, string>): Promise<KvResult> {
		const call = <T>(
			method: string,
			path: string,
			body: unknown,
			schema: v.GenericSchema<unknown, T>,
		) => client.call(method, path, body, schema, session);
		switch (op.kind) {
			case "get": {
				const a = await call("GET", kvPath(op.key), undefined, KeyAnswer);
				return { kind: "get", value: a.value, revision: a.revision };
			}
			case "put": {
				const a = await call("PUT", kvPath(op.key), { value: op.value }, WriteAnswer);
				return { kind: "put", revision: a.revision };
			}
			case "delete": {
				const a = await call("DELETE", kvPath(op.key), undefined, DeleteAnswer);
				return { kind: "delete", deleted: a.deleted, revision: a.revision };
			}
			case "cas": {
				const body = { expected: op.expected, value: op.value };
				const a = await call("POST", casPath(op.key), body, CasAnswer);
				return { kind: "cas", ok: a.ok, value: a.value, revision: a.revision };
			}
		}
	}
}
