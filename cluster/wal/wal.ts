/**
 * The write-ahead log of the Raft control plane: segments of CRC-framed records, group
 * commit, snapshots with compaction, recovery. See docs/architecture.md, "Control plane:
 * write-ahead log", for the file layout and exactly what is durable when.
 *
 * The driver's contract, for each Ready the Raft core hands it:
 *   await wal.saveSnapshot(ready.snapshot)            (if any)
 *   await wal.save(ready.hardState, ready.entries)
 *   ...only then send ready.messages
 * A message may promise what those calls wrote (a vote, an acknowledged entry), so it must
 * not leave before they resolve.
 */
import { type FileHandle, open, readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "./crc32.ts";
import { WalClosedError, WalDirError, WalUsageError } from "./errors.ts";
import { isSnapshotName, segmentName, snapshotName } from "./file-names.ts";
import { fsyncDir, mkdirDurably, writeFileDurably, writeFully } from "./files.ts";
import { GroupCommit } from "./group-commit.ts";
import { type DirLock, lockDir } from "./lock.ts";
import { LogRuleError, type LogState } from "./log-state.ts";
import { stderrLogger, type WalLogger } from "./logger.ts";
import { encodeRecords, MAX_PAYLOAD_BYTES, type WalRecord } from "./record.ts";
import { recoverDir, type SegmentInfo } from "./recover.ts";
import { encodeSegmentHeader } from "./segment-header.ts";
import { encodeSnapshotFile } from "./snapshot-file.ts";
import type { Entry, HardState, Recovered, Snapshot, SnapshotRef } from "./types.ts";

export interface WalOptions {
	/** A segment is rolled once it reaches this many bytes (checked before each write). */
	readonly segmentBytes?: number;
	readonly log?: WalLogger;
	/** Told how long each group commit's fdatasync took (ms): the member's fsync latency metric. */
	readonly onFsync?: (durationMs: number) => void;
}

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

/** One save() as the writer sees it: its bytes and the state it leaves once durable. */
interface Batch {
	readonly bytes: Uint8Array;
	readonly hardState: HardState | undefined;
	readonly snapshot: SnapshotRef | undefined;
	readonly last: number;
}

/** What is on disk: the state a new segment's first records repeat. */
interface Written {
	hardState: HardState | undefined;
	snapshot: SnapshotRef | undefined;
	last: number;
}

/**
 * Runs `step`, turning a filesystem error (one with an errno code: ENOTDIR, EACCES, EROFS,
 * EISDIR...) into a WalDirError naming the directory; the log's own errors pass through.
 */
async function asDirError<T>(dir: string, step: () => Promise<T>): Promise<T> {
	try {
		return await step();
	} catch (error) {
		if (error instanceof Error && typeof (error as NodeJS.ErrnoException).code === "string")
			throw new WalDirError(dir, error as NodeJS.ErrnoException);
		throw error;
	}
}

export class Wal {
	private readonly commit: GroupCommit<Batch>;
	private closed = false;
	private snapshotChain: Promise<unknown> = Promise.resolve();
	private onFsync: (durationMs: number) => void = () => {};

	private constructor(
		private readonly dir: string,
		private readonly segmentBytes: number,
		private readonly log: WalLogger,
		private readonly lock: DirLock,
		/** Everything save() accepted, queued saves included: what new saves are checked against. */
		private readonly state: LogState,
		private readonly written: Written,
		private readonly segments: SegmentInfo[],
		private handle: FileHandle,
		private size: number,
	) {
		this.commit = new GroupCommit((batches) => this.flush(batches));
	}

	/**
	 * Opens (creating if needed) the log in `dir`, locks it, and recovers it. Throws
	 * WalCorruptError or WalSnapshotError when the files are not what the log wrote,
	 * WalLockedError when another open log holds the directory, and WalDirError when the
	 * filesystem refuses the directory or a file in it; cuts a torn tail (WARN).
	 */
	static async open(
		dir: string,
		options: WalOptions = {},
	): Promise<{ wal: Wal; recovered: Recovered }> {
		const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
		if (!Number.isSafeInteger(segmentBytes) || segmentBytes < 1) {
			throw new WalUsageError(`segmentBytes must be a positive integer, got ${segmentBytes}`);
		}
		const log = options.log ?? stderrLogger;
		const lock = await asDirError(dir, async () => {
			await mkdirDurably(dir);
			return lockDir(dir, log);
		});
		try {
			const opened = await asDirError(dir, () => Wal.recover(dir, segmentBytes, log, lock));
			if (options.onFsync) opened.wal.onFsync = options.onFsync;
			return opened;
		} catch (error) {
			await lock.release().catch(() => undefined);
			throw error;
		}
	}

	private static async recover(
		dir: string,
		segmentBytes: number,
		log: WalLogger,
		lock: DirLock,
	): Promise<{ wal: Wal; recovered: Recovered }> {
		const found = await recoverDir(dir, log);
		const { state } = found;
		const recovered: Recovered = {
			hardState: state.hardState,
			snapshot: found.snapshot,
			entries: state.entries(),
		};
		state.dropData();
		const written: Written = {
			hardState: state.hardState,
			snapshot: state.snapshot,
			last: state.last,
		};
		const segments = found.segments;
		let size = found.lastLength;
		let last = segments.at(-1);
		if (!last) {
			last = { name: segmentName(0, state.last + 1), seq: 0, firstIndex: state.last + 1 };
			size = await createSegment(dir, last, []);
			segments.push(last);
		}
		const handle = await open(join(dir, last.name), "r+");
		const wal = new Wal(dir, segmentBytes, log, lock, state, written, segments, handle, size);
		log(
			"INFO",
			`opened ${dir}: ${segments.length} segment(s), entries ${state.first}..${state.last}`,
		);
		return { wal, recovered };
	}

	/**
	 * Appends `entries` (which replace any stored entries from the first one's index on) and
	 * records `hardState`. Resolves once they, and every earlier save, are on disk (fsync).
	 * Rejects with WalUsageError, writing nothing, if the entries do not follow the log.
	 * `save(undefined, [])` writes nothing and resolves once every earlier save is durable.
	 */
	save(hardState: HardState | undefined, entries: readonly Entry[]): Promise<void> {
		const refused = this.refusal();
		if (refused) return Promise.reject(refused);
		const reason = this.state.checkAppend(entries);
		if (reason) return Promise.reject(new WalUsageError(reason));
		for (const entry of entries) {
			if (entry.data.byteLength + 16 > MAX_PAYLOAD_BYTES) {
				return Promise.reject(new WalUsageError(`entry ${entry.index} is larger than 64 MiB`));
			}
		}
		const records: WalRecord[] = [];
		try {
			if (hardState) this.state.applyHardState(hardState);
		} catch (error) {
			return Promise.reject(asUsageError(error));
		}
		const head = entries[0];
		if (head && this.state.overwrites(entries)) {
			this.state.applyTruncate(head.index);
			records.push({ type: "truncate", from: head.index });
		}
		for (const entry of entries) {
			this.state.applyEntry(entry);
			records.push({ type: "entry", entry });
		}
		// After the entries: a torn tail can drop a hard state and keep its entries, never
		// keep a commit index whose entries were lost.
		if (hardState) records.push({ type: "hardState", hardState });
		return this.commit.submit({
			bytes: encodeRecords(records),
			hardState,
			snapshot: undefined,
			last: this.state.last,
		});
	}

	/**
	 * Stores a snapshot: its file is written beside the segments (tmp, fsync, rename, fsync
	 * of the directory), then a record referring to it is appended and synced, then segments
	 * whose entries it covers and older snapshot files are removed. Entries after it stay
	 * if the log's entry at its index has its term; otherwise (a leader's snapshot that
	 * replaces this log) all entries go. Snapshots are applied in call order.
	 */
	saveSnapshot(snapshot: Snapshot): Promise<void> {
		const refused = this.refusal();
		if (refused) return Promise.reject(refused);
		if (
			!Number.isSafeInteger(snapshot.index) ||
			!Number.isSafeInteger(snapshot.term) ||
			snapshot.index < 1 ||
			snapshot.term < 1 ||
			!(snapshot.data instanceof Uint8Array)
		) {
			return Promise.reject(
				new WalUsageError("a snapshot needs a positive index and term, and bytes"),
			);
		}
		const run = this.snapshotChain.then(() => this.storeSnapshot(snapshot));
		this.snapshotChain = run.catch(() => undefined);
		return run;
	}

	private async storeSnapshot(snapshot: Snapshot): Promise<void> {
		const stale = (): WalUsageError | undefined =>
			snapshot.index <= this.state.base
				? new WalUsageError(
						`snapshot ${snapshot.index} is not newer than snapshot ${this.state.base}`,
					)
				: undefined;
		const early = stale();
		if (early) throw early;
		const dataCrc = crc32(snapshot.data);
		const name = snapshotName(snapshot.term, snapshot.index);
		await writeFileDurably(this.dir, name, encodeSnapshotFile(snapshot, dataCrc));
		const refused = this.refusal() ?? stale();
		if (refused) throw refused;
		const ref: SnapshotRef = {
			index: snapshot.index,
			term: snapshot.term,
			dataCrc,
			keepLog: this.state.agreesWith(snapshot.index, snapshot.term),
		};
		this.state.applySnapshot(ref);
		await this.commit.submit({
			bytes: encodeRecords([{ type: "snapshot", snapshot: ref, restated: false }]),
			hardState: undefined,
			snapshot: ref,
			last: this.state.last,
		});
		await this.compact(ref, name);
	}

	/** Waits for queued saves, then closes the segment. Later calls reject with WalClosedError. */
	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		await this.snapshotChain;
		await this.commit.idle();
		try {
			await this.handle.close();
		} catch (error) {
			// After a failed write the failure was already reported to every save; closing a
			// broken file must not throw a second, less telling error.
			if (!this.commit.failed) throw error;
		} finally {
			await this.lock.release();
		}
	}

	/** How many write+fsync rounds have run: group commit makes this far below the save count. */
	get flushCount(): number {
		return this.commit.flushes;
	}

	get segmentNames(): readonly string[] {
		return this.segments.map((s) => s.name);
	}

	private refusal(): Error | undefined {
		if (this.closed) return new WalClosedError();
		return this.commit.failed;
	}

	/** One write and one fsync for every batch queued since the last flush. */
	private async flush(batches: readonly Batch[]): Promise<void> {
		if (this.size >= this.segmentBytes) await this.roll();
		const bytes = batches.length === 1 ? (batches[0] as Batch).bytes : concat(batches);
		const length = bytes.byteLength;
		if (length > 0) {
			await writeFully(this.handle, bytes, this.size);
			// fdatasync: the appended bytes and the new file length, not the mtime.
			const syncStart = performance.now();
			await this.handle.datasync();
			this.onFsync(performance.now() - syncStart);
			this.size += length;
		}
		for (const batch of batches) {
			if (batch.hardState) this.written.hardState = batch.hardState;
			if (batch.snapshot) this.written.snapshot = batch.snapshot;
			this.written.last = batch.last;
		}
	}

	/**
	 * Starts the next segment. Its first records repeat the snapshot record and the hard
	 * state on disk, so older segments can be removed without losing either.
	 */
	private async roll(): Promise<void> {
		const previous = this.segments.at(-1);
		const next: SegmentInfo = {
			name: segmentName((previous?.seq ?? -1) + 1, this.written.last + 1),
			seq: (previous?.seq ?? -1) + 1,
			firstIndex: this.written.last + 1,
		};
		const preamble: WalRecord[] = [];
		if (this.written.snapshot) {
			preamble.push({ type: "snapshot", snapshot: this.written.snapshot, restated: true });
		}
		if (this.written.hardState)
			preamble.push({ type: "hardState", hardState: this.written.hardState });
		const size = await createSegment(this.dir, next, preamble);
		const handle = await open(join(this.dir, next.name), "r+");
		await this.handle.close();
		this.handle = handle;
		this.size = size;
		this.segments.push(next);
		this.log("INFO", `rolled to ${next.name}`);
	}

	/**
	 * Removes the segments whose every entry the snapshot covers (a segment's entries all lie
	 * below the next segment's first index), never the open one, and older snapshot files.
	 */
	private async compact(ref: SnapshotRef, keep: string): Promise<void> {
		let count = 0;
		while (count + 1 < this.segments.length) {
			const next = this.segments[count + 1] as SegmentInfo;
			if (next.firstIndex - 1 > ref.index) break;
			count++;
		}
		const segments = this.segments.splice(0, count).map((s) => s.name);
		// Oldest first, each removal made durable before the next: a crash part-way must
		// leave a run of segments with no hole, or recovery would report one missing.
		for (const name of segments) {
			await unlink(join(this.dir, name));
			await fsyncDir(this.dir);
		}
		const snapshots: string[] = [];
		for (const name of await readdir(this.dir)) {
			if (isSnapshotName(name) && name !== keep) snapshots.push(name);
		}
		for (const name of snapshots) await unlink(join(this.dir, name));
		if (snapshots.length > 0) await fsyncDir(this.dir);
		const removed = [...segments, ...snapshots];
		if (removed.length > 0)
			this.log("INFO", `snapshot ${ref.index}: removed ${removed.join(", ")}`);
	}
}

async function createSegment(
	dir: string,
	segment: SegmentInfo,
	preamble: readonly WalRecord[],
): Promise<number> {
	const header = encodeSegmentHeader({ seq: segment.seq, firstIndex: segment.firstIndex });
	const records = encodeRecords(preamble);
	const bytes = new Uint8Array(header.byteLength + records.byteLength);
	bytes.set(header, 0);
	bytes.set(records, header.byteLength);
	await writeFileDurably(dir, segment.name, bytes);
	return bytes.byteLength;
}

function concat(batches: readonly Batch[]): Uint8Array {
	let length = 0;
	for (const batch of batches) length += batch.bytes.byteLength;
	const bytes = new Uint8Array(length);
	let offset = 0;
	for (const batch of batches) {
		bytes.set(batch.bytes, offset);
		offset += batch.bytes.byteLength;
	}
	return bytes;
}

function asUsageError(error: unknown): unknown {
	return error instanceof LogRuleError ? new WalUsageError(error.message) : error;
}
