/**
 * A CrdtStore backed by a directory: an append-only log of deltas (CRC per record) and
 * periodic snapshots, over the control plane's WAL pieces (record framing, torn-tail
 * scan, durable file writes, directory lock, group commit).
 *
 * Open = lock, recover (snapshot, then replay its log; a torn tail is cut with a WARN; a
 * bad record before the tail is a WalCorruptError naming file and offset), then start a
 * new generation: a snapshot of what was recovered, an empty log, the old pair removed.
 * The store writes as replica `n<node>.<gen>` of that generation, so no counter slot or
 * dot a previous run may have shipped before a crash is ever issued again.
 *
 * Durability: operations change memory at once and are written by `flush()`, which joins
 * every change since the last flush into one record, appends it and fsyncs (concurrent
 * flushes share one write). With `flushEveryMs` (default 10) a timer flushes; a crash
 * loses at most the changes of the last interval that had not been flushed. Callers that
 * must know an increment is on disk await `flush()`.
 */
import { type FileHandle, open, readdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { systemTimers, type TimerHandle, type Timers } from "../../edge/lock/timers.ts";
import { WalCorruptError } from "../wal/errors.ts";
import { fsyncDir, mkdirDurably, writeFileDurably, writeFully } from "../wal/files.ts";
import { GroupCommit } from "../wal/group-commit.ts";
import { type DirLock, lockDir } from "../wal/lock.ts";
import { stderrLogger, type WalLogger } from "../wal/logger.ts";
import { scanRecords } from "../wal/scan.ts";
import { decodeSegmentHeader, SEGMENT_HEADER_BYTES } from "../wal/segment-header.ts";
import {
	decodeSnapshot,
	decodeStates,
	encodeLogHeader,
	encodeLogRecord,
	encodeSnapshot,
	type KeyedState,
	logGen,
	logName,
	snapshotFileName,
	snapshotGen,
} from "./log-files.ts";
import { CrdtStore } from "./store.ts";

export interface PersistOptions {
	readonly dir: string;
	/** The gossip layer's node id; the replica id is `n<node>.<generation>`. */
	readonly node: number;
	/** Physical time for LWW stamps. */
	readonly clock?: () => number;
	readonly timers?: Timers;
	/** Flush on a timer this often; 0 leaves flushing to the caller. */
	readonly flushEveryMs?: number;
	/** Start a new generation (snapshot + empty log) once the log is this long. */
	readonly snapshotAfterBytes?: number;
	readonly log?: WalLogger;
}

export interface Recovery {
	readonly generation: number;
	readonly keys: number;
	readonly records: number;
	readonly tornBytes: number;
}

export class PersistentStore {
	private handle: FileHandle | undefined;
	private logBytes = 0;
	private recordIndex = 0;
	private logged = 0;
	private timer: TimerHandle | undefined;
	private closed = false;
	private readonly writer: GroupCommit<Uint8Array>;

	private constructor(
		readonly store: CrdtStore,
		readonly recovery: Recovery,
		private generation: number,
		private readonly options: Required<Omit<PersistOptions, "clock">>,
		private readonly lock: DirLock,
	) {
		this.writer = new GroupCommit((records) => this.append(records));
	}

	static async open(options: PersistOptions): Promise<PersistentStore> {
		const full = {
			timers: systemTimers,
			flushEveryMs: 10,
			snapshotAfterBytes: 64 * 1024 * 1024,
			log: stderrLogger,
			...options,
		};
		await mkdirDurably(full.dir);
		const lock = await lockDir(full.dir, full.log);
		try {
			const found = await recoverDir(full.dir, full.log);
			const generation = found.generation + 1;
			const store = new CrdtStore({
				replica: `n${full.node}.${generation}`,
				clock: options.clock ?? (() => Date.now()),
			});
			for (const s of found.states) store.load(s.key, s);
			const opened = new PersistentStore(
				store,
				{
					generation,
					keys: store.keys().length,
					records: found.records,
					tornBytes: found.tornBytes,
				},
				generation,
				full,
				lock,
			);
			await opened.startGeneration(generation, found.generation);
			opened.schedule();
			return opened;
		} catch (error) {
			await lock.release();
			throw error;
		}
	}

	/** Writes every change since the last flush as one record, durably. */
	async flush(): Promise<void> {
		if (this.closed) throw new Error("the CRDT store is closed");
		const upTo = this.store.buffer.seal();
		const deltas = this.store.buffer.since(this.logged);
		if (deltas === undefined) throw new Error("changes were dropped before they were logged");
		if (deltas.size > 0) {
			const states: KeyedState[] = [...deltas].map(([key, d]) => ({ key, ...d }));
			this.recordIndex++;
			await this.writer.submit(encodeLogRecord(this.generation, this.recordIndex, states));
		}
		this.logged = Math.max(this.logged, upTo);
		this.store.buffer.holdFrom(this.logged);
		if (this.logBytes >= this.options.snapshotAfterBytes) await this.snapshot();
	}

	/** Starts a new generation: a snapshot of the whole store, then an empty log. */
	async snapshot(): Promise<void> {
		await this.writer.idle();
		const previous = this.generation;
		this.generation++;
		await this.startGeneration(this.generation, previous);
	}

	async close(): Promise<void> {
		if (this.closed) return;
		await this.flush();
		this.closed = true;
		this.timer?.cancel();
		await this.writer.idle();
		await this.handle?.close();
		await this.lock.release();
	}

	private async startGeneration(gen: number, previous: number): Promise<void> {
		const { dir } = this.options;
		// Everything up to now goes into the snapshot, so the log starts empty.
		this.logged = this.store.buffer.seal();
		this.store.buffer.holdFrom(this.logged);
		const states = this.store.keys().map((key) => this.store.entryOf(key));
		await writeFileDurably(dir, snapshotFileName(gen), encodeSnapshot(gen, states));
		await writeFileDurably(dir, logName(gen), encodeLogHeader(gen));
		await this.handle?.close();
		this.handle = await open(join(dir, logName(gen)), "r+");
		this.logBytes = SEGMENT_HEADER_BYTES;
		this.recordIndex = 0;
		if (previous > 0) {
			await unlink(join(dir, logName(previous))).catch(() => undefined);
			await unlink(join(dir, snapshotFileName(previous))).catch(() => undefined);
			await fsyncDir(dir);
		}
	}

	private async append(records: readonly Uint8Array[]): Promise<void> {
		const handle = this.handle;
		if (handle === undefined) throw new Error("no open log");
		let size = 0;
		for (const r of records) size += r.byteLength;
		const bytes = new Uint8Array(size);
		let at = 0;
		for (const r of records) {
			bytes.set(r, at);
			at += r.byteLength;
		}
		await writeFully(handle, bytes, this.logBytes);
		await handle.sync();
		this.logBytes += size;
	}

	private schedule(): void {
		if (this.options.flushEveryMs <= 0 || this.closed) return;
		this.timer = this.options.timers.after(this.options.flushEveryMs, () => {
			this.flush()
				.catch((error) => this.options.log("WARN", `flush failed: ${String(error)}`))
				.finally(() => this.schedule());
		});
	}
}

interface Found {
	/** The newest generation on disk, 0 for an empty directory. */
	readonly generation: number;
	readonly states: KeyedState[];
	readonly records: number;
	readonly tornBytes: number;
}

/**
 * Reads the newest snapshot and replays its log. Files change (a torn tail cut, stale
 * generations removed) only once everything was read and checked.
 */
async function recoverDir(dir: string, log: WalLogger): Promise<Found> {
	const names = await readdir(dir);
	const snapshots = names.map(snapshotGen).filter((g): g is number => g !== undefined);
	const logs = names.map(logGen).filter((g): g is number => g !== undefined);
	if (snapshots.length === 0) {
		if (logs.length > 0)
			throw new WalCorruptError(logName(logs[0] as number), 0, "a log without its snapshot");
		return { generation: 0, states: [], records: 0, tornBytes: 0 };
	}
	const gen = Math.max(...snapshots);
	const newer = logs.find((g) => g > gen);
	if (newer !== undefined)
		throw new WalCorruptError(logName(newer), 0, "a log newer than every snapshot");
	const snapName = snapshotFileName(gen);
	const states = decodeSnapshot(snapName, gen, new Uint8Array(await readFile(join(dir, snapName))));

	// The log may be missing: a crash between the snapshot and its log's creation.
	const name = logName(gen);
	let records = 0;
	let tornBytes = 0;
	let cutTo: number | undefined;
	if (logs.includes(gen)) {
		const bytes = new Uint8Array(await readFile(join(dir, name)));
		const header = decodeSegmentHeader(bytes);
		if (typeof header === "string") {
			// A header is written with its file, durably, before any record: a bad one is damage.
			throw new WalCorruptError(name, 0, header);
		}
		if (header.seq !== gen)
			throw new WalCorruptError(name, 0, `header says generation ${header.seq}`);
		const scan = scanRecords(bytes, SEGMENT_HEADER_BYTES, name, true);
		for (const { record, offset } of scan.records) {
			if (record.type !== "entry")
				throw new WalCorruptError(name, offset, `unexpected ${record.type} record`);
			const decoded = decodeStates(record.entry.data);
			if (typeof decoded === "string") throw new WalCorruptError(name, offset, decoded);
			states.push(...decoded);
			records++;
		}
		if (scan.torn) {
			tornBytes = bytes.byteLength - scan.validLength;
			cutTo = scan.validLength;
			log(
				"WARN",
				`torn tail in ${name} at offset ${scan.torn.offset}: ${tornBytes} bytes cut (${scan.torn.reason})`,
			);
		}
	}

	if (cutTo !== undefined) {
		const handle = await open(join(dir, name), "r+");
		try {
			await handle.truncate(cutTo);
			await handle.sync();
		} finally {
			await handle.close();
		}
	}
	for (const stale of names) {
		const g = logGen(stale) ?? snapshotGen(stale);
		if ((g !== undefined && g < gen) || stale.endsWith(".tmp")) {
			log("INFO", `removing ${stale}: an older generation or an interrupted write`);
			await unlink(join(dir, stale));
		}
	}
	return { generation: gen, states, records, tornBytes };
}
