/**
 * The recent purges a node executed, oldest first, with the log index of each, capped at
 * `limit` entries (the oldest go first). It is what the snapshot carries, what tells a node
 * the last purge it executed (`lastIndex`), and how a retried purge is recognised: a (client,
 * seq) still in the history is a duplicate. Pure.
 */
import type { PurgeRequest } from "../../edge/purge.ts";

export interface PurgeRecord {
	readonly index: number;
	readonly client: number;
	readonly seq: number;
	readonly purge: PurgeRequest;
}

export const DEFAULT_PURGE_HISTORY = 1024;

const sessionKey = (client: number, seq: number) => `${client}:${seq}`;

export class PurgeHistory {
	#records: PurgeRecord[] = [];
	readonly #bySession = new Map<string, PurgeRecord>();
	/**
	 * The log index of the newest purge dropped off the end (0: none yet). A node installing
	 * a snapshot whose history was cut past its own applied index missed purges it cannot
	 * replay one by one.
	 */
	forgottenThrough = 0;

	constructor(readonly limit: number = DEFAULT_PURGE_HISTORY) {
		if (!Number.isInteger(limit) || limit < 1)
			throw new RangeError(`a purge history holds at least 1 record, not ${limit}`);
	}

	/** The purge this session already executed, if it is still remembered. */
	find(client: number, seq: number): PurgeRecord | undefined {
		return this.#bySession.get(sessionKey(client, seq));
	}

	add(record: PurgeRecord): void {
		this.#records.push(record);
		this.#bySession.set(sessionKey(record.client, record.seq), record);
		while (this.#records.length > this.limit) {
			const dropped = this.#records.shift() as PurgeRecord;
			this.forgottenThrough = dropped.index;
			const key = sessionKey(dropped.client, dropped.seq);
			if (this.#bySession.get(key) === dropped) this.#bySession.delete(key);
		}
	}

	/** Replaces everything (a restored snapshot); keeps the newest `limit`. */
	replace(records: readonly PurgeRecord[], forgottenThrough: number): void {
		this.#records = [];
		this.#bySession.clear();
		this.forgottenThrough = forgottenThrough;
		for (const record of records) this.add(record);
	}

	records(): readonly PurgeRecord[] {
		return this.#records;
	}

	/** The log index of the newest purge executed (0: none remembered). */
	get lastIndex(): number {
		return this.#records.at(-1)?.index ?? 0;
	}
}
