import { afterEach, describe, expect, test } from "bun:test";
import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WalClosedError, WalFailedError, WalUsageError } from "../../cluster/wal/errors.ts";
import { Wal, type WalOptions } from "../../cluster/wal/wal.ts";
import { bytes, entries, LogLines, tempDir, text, triples } from "./helpers.ts";

const dirs: { cleanup: () => void }[] = [];
afterEach(() => {
	for (const dir of dirs.splice(0)) dir.cleanup();
});

function newDir(): string {
	const dir = tempDir();
	dirs.push(dir);
	return dir.path;
}

async function openQuiet(dir: string, options: WalOptions = {}) {
	const lines = new LogLines();
	const opened = await Wal.open(dir, { log: lines.log, ...options });
	return { ...opened, lines };
}

async function reopen(dir: string) {
	const { wal, recovered, lines } = await openQuiet(dir);
	await wal.close();
	return { recovered, lines };
}

function segmentFiles(dir: string): string[] {
	return readdirSync(dir)
		.filter((name) => name.endsWith(".log"))
		.sort();
}

describe("Wal: saving and recovering", () => {
	test("a new directory opens empty with one segment", async () => {
		const dir = join(newDir(), "nested", "wal");
		const { wal, recovered } = await openQuiet(dir);
		expect(recovered).toEqual({ hardState: undefined, snapshot: undefined, entries: [] });
		expect(segmentFiles(dir)).toEqual(["wal-0000000000000000-0000000000000001.log"]);
		await wal.close();
	});

	test("hard state and entries survive a reopen", async () => {
		const dir = newDir();
		const { wal } = await openQuiet(dir);
		await wal.save({ term: 1, vote: 1, commit: 0 }, entries(1, 3, 1));
		await wal.save({ term: 1, vote: 1, commit: 2 }, []);
		await wal.save(undefined, entries(4, 4, 1));
		await wal.close();
		const { recovered } = await reopen(dir);
		expect(recovered.hardState).toEqual({ term: 1, vote: 1, commit: 2 });
		expect(triples(recovered.entries)).toEqual([
			[1, 1, "1@1"],
			[2, 1, "2@1"],
			[3, 1, "3@1"],
			[4, 1, "4@1"],
		]);
	});

	test("appending at an index already stored replaces everything from there on", async () => {
		const dir = newDir();
		const { wal } = await openQuiet(dir);
		await wal.save({ term: 1, vote: 1, commit: 1 }, entries(1, 5, 1));
		await wal.save({ term: 2, vote: 2, commit: 1 }, entries(3, 3, 2));
		await wal.save(undefined, entries(4, 4, 2));
		await wal.close();
		const { recovered } = await reopen(dir);
		expect(triples(recovered.entries).map(([i, t]) => [i, t])).toEqual([
			[1, 1],
			[2, 1],
			[3, 2],
			[4, 2],
		]);
	});

	test("64 saves made together share one write and one fsync, and all are durable", async () => {
		const dir = newDir();
		const { wal } = await openQuiet(dir);
		await wal.save(undefined, entries(1, 1, 1));
		const before = wal.flushCount;
		await Promise.all(
			entries(2, 65, 1).map((entry) =>
				wal.save({ term: 1, vote: 0, commit: entry.index - 1 }, [entry]),
			),
		);
		expect(wal.flushCount - before).toBe(1);
		await wal.close();
		const { recovered } = await reopen(dir);
		expect(recovered.entries).toHaveLength(65);
		expect(recovered.hardState?.commit).toBe(64);
	});

	test("a save resolves only after the fdatasync that carried it has returned", async () => {
		const { wal } = await openQuiet(newDir());
		// Wrap datasync on the file handle class for this test only, to see the order.
		type Sync = (this: unknown) => Promise<void>;
		const handle = (wal as unknown as { handle: object }).handle;
		const proto = Object.getPrototypeOf(handle) as { datasync: Sync };
		const original = proto.datasync;
		const events: string[] = [];
		proto.datasync = async function (this: unknown) {
			events.push("datasync called");
			await original.call(this);
			events.push("datasync returned");
		};
		try {
			await wal.save(undefined, entries(1, 1, 1)).then(() => events.push("save resolved"));
		} finally {
			proto.datasync = original;
		}
		expect(events).toEqual(["datasync called", "datasync returned", "save resolved"]);
		await wal.close();
	});

	test("an empty save writes nothing and waits for the saves before it", async () => {
		const dir = newDir();
		const { wal } = await openQuiet(dir);
		const segment = join(dir, segmentFiles(dir)[0] as string);
		const size = statSync(segment).size;
		let firstDone = false;
		const first = wal.save(undefined, entries(1, 1, 1)).then(() => {
			firstDone = true;
		});
		await wal.save(undefined, []);
		expect(firstDone).toBe(true);
		await first;
		const afterFirst = statSync(segment).size;
		expect(afterFirst).toBeGreaterThan(size);
		await wal.save(undefined, []);
		expect(statSync(segment).size).toBe(afterFirst);
		await wal.close();
	});

	test("segments roll at the size threshold and replay in order", async () => {
		const dir = newDir();
		const { wal } = await openQuiet(dir, { segmentBytes: 200 });
		await wal.save({ term: 1, vote: 1, commit: 0 }, []);
		for (let i = 1; i <= 20; i++)
			await wal.save({ term: 1, vote: 1, commit: i - 1 }, entries(i, i, 1));
		await wal.close();
		expect(segmentFiles(dir).length).toBeGreaterThan(5);
		for (const name of segmentFiles(dir).slice(0, -1)) {
			// Rolled before the write that would cross the threshold is made, not after.
			expect(statSync(join(dir, name)).size).toBeLessThan(200 + 200);
		}
		const { recovered } = await reopen(dir);
		expect(recovered.entries.map((e) => e.index)).toEqual(entries(1, 20, 1).map((e) => e.index));
		expect(recovered.hardState?.commit).toBe(19);
	});

	test("a new segment repeats the hard state, so it survives removing older segments", async () => {
		const dir = newDir();
		const { wal } = await openQuiet(dir, { segmentBytes: 100 });
		await wal.save({ term: 7, vote: 3, commit: 0 }, entries(1, 4, 7));
		await wal.save(undefined, entries(5, 8, 7));
		await wal.saveSnapshot({ index: 4, term: 7, data: bytes("snap") });
		await wal.close();
		expect(segmentFiles(dir)[0]).not.toContain("-0000000000000001.log");
		const { recovered } = await reopen(dir);
		expect(recovered.hardState).toEqual({ term: 7, vote: 3, commit: 0 });
	});
});

describe("Wal: snapshots", () => {
	test("a snapshot keeps the entries after it and releases the segments it covers", async () => {
		const dir = newDir();
		const { wal } = await openQuiet(dir, { segmentBytes: 150 });
		for (let i = 1; i <= 12; i++) await wal.save({ term: 1, vote: 1, commit: i }, entries(i, i, 1));
		const segmentsBefore = segmentFiles(dir);
		await wal.saveSnapshot({ index: 8, term: 1, data: bytes("state@8") });
		const segmentsAfter = segmentFiles(dir);
		const firstIndex = (name: string) => Number.parseInt(name.slice(21, 37), 16);
		const removed = segmentsBefore.filter((name) => !segmentsAfter.includes(name));
		expect(removed.length).toBeGreaterThan(0);
		// Removed: exactly the segments whose entries all lie at or below 8.
		for (const [i, name] of segmentsBefore.entries()) {
			const next = segmentsBefore[i + 1];
			const covered = next !== undefined && firstIndex(next) - 1 <= 8;
			expect(removed.includes(name)).toBe(covered);
		}
		await wal.save(undefined, entries(13, 13, 1));
		await wal.close();
		const { recovered } = await reopen(dir);
		expect(
			recovered.snapshot && { ...recovered.snapshot, data: text(recovered.snapshot.data) },
		).toEqual({
			index: 8,
			term: 1,
			data: "state@8",
		});
		expect(recovered.entries.map((e) => e.index)).toEqual([9, 10, 11, 12, 13]);
	});

	test("a crash part-way through compaction (oldest segments gone, the rest not) recovers the same", async () => {
		const dir = newDir();
		const { wal } = await openQuiet(dir, { segmentBytes: 150 });
		for (let i = 1; i <= 12; i++) await wal.save({ term: 1, vote: 1, commit: i }, entries(i, i, 1));
		const saved = new Map(segmentFiles(dir).map((name) => [name, readFileSync(join(dir, name))]));
		await wal.saveSnapshot({ index: 9, term: 1, data: bytes("state@9") });
		await wal.close();
		const removed = [...saved.keys()].filter((name) => !segmentFiles(dir).includes(name));
		expect(removed.length).toBeGreaterThan(1);
		const full = await reopen(dir);
		// Put back all but the oldest removed segment: the state of a crash after one removal.
		for (const name of removed.slice(1)) writeFileSync(join(dir, name), saved.get(name) as Buffer);
		const partial = await reopen(dir);
		expect(triples(partial.recovered.entries)).toEqual(triples(full.recovered.entries));
		expect(partial.recovered.snapshot?.index).toBe(9);
		expect(partial.recovered.hardState).toEqual(full.recovered.hardState);
	});

	test("a newer snapshot replaces the older snapshot file", async () => {
		const dir = newDir();
		const { wal } = await openQuiet(dir);
		await wal.save(undefined, entries(1, 6, 1));
		await wal.saveSnapshot({ index: 2, term: 1, data: bytes("a") });
		await wal.saveSnapshot({ index: 5, term: 1, data: bytes("b") });
		await wal.close();
		expect(readdirSync(dir).filter((n) => n.endsWith(".snap"))).toEqual([
			"snap-0000000000000001-0000000000000005.snap",
		]);
		const { recovered } = await reopen(dir);
		expect(recovered.snapshot?.index).toBe(5);
		expect(recovered.entries.map((e) => e.index)).toEqual([6]);
	});

	test("a leader's snapshot the log disagrees with drops every entry", async () => {
		const dir = newDir();
		const { wal } = await openQuiet(dir);
		await wal.save({ term: 1, vote: 1, commit: 2 }, entries(1, 6, 1));
		await wal.saveSnapshot({ index: 4, term: 2, data: bytes("leader's") });
		await wal.save({ term: 2, vote: 0, commit: 4 }, entries(5, 5, 2));
		await wal.close();
		const { recovered } = await reopen(dir);
		expect(recovered.snapshot?.term).toBe(2);
		expect(triples(recovered.entries)).toEqual([[5, 2, "5@2"]]);
	});

	test("a snapshot beyond the log's end drops every entry too", async () => {
		const dir = newDir();
		const { wal } = await openQuiet(dir);
		await wal.save(undefined, entries(1, 3, 1));
		await wal.saveSnapshot({ index: 10, term: 3, data: bytes("far") });
		await expect(wal.save(undefined, entries(4, 4, 3))).rejects.toBeInstanceOf(WalUsageError);
		await wal.save(undefined, entries(11, 11, 3));
		await wal.close();
		const { recovered } = await reopen(dir);
		expect(recovered.entries.map((e) => e.index)).toEqual([11]);
	});
});

describe("Wal: ordering", () => {
	test("saves made while a snapshot file is written land before its record", async () => {
		const dir = newDir();
		const { wal } = await openQuiet(dir);
		await wal.save({ term: 1, vote: 1, commit: 5 }, entries(1, 6, 1));
		const snapshot = wal.saveSnapshot({ index: 5, term: 1, data: bytes("s5") });
		const later = wal.save(undefined, entries(7, 8, 1));
		await Promise.all([snapshot, later]);
		await wal.close();
		const { recovered } = await reopen(dir);
		expect(recovered.snapshot?.index).toBe(5);
		expect(recovered.entries.map((e) => e.index)).toEqual([6, 7, 8]);
	});

	test("a failed write fails that save and refuses every later one", async () => {
		const { wal } = await openQuiet(newDir());
		await wal.save(undefined, entries(1, 1, 1));
		// Pull the segment's file handle out from under the log: the next write gets EBADF.
		await (wal as unknown as { handle: { close(): Promise<void> } }).handle.close();
		const failed = await wal.save(undefined, entries(2, 2, 1)).catch((error: unknown) => error);
		expect(failed).toBeInstanceOf(WalFailedError);
		await expect(wal.save(undefined, entries(3, 3, 1))).rejects.toBe(failed);
		await expect(wal.saveSnapshot({ index: 1, term: 1, data: bytes("") })).rejects.toBe(failed);
		await wal.close();
	});
});

describe("Wal: refused calls write nothing", () => {
	test("a gap, a term going back, an old snapshot, a bad snapshot", async () => {
		const dir = newDir();
		const { wal } = await openQuiet(dir);
		await wal.save({ term: 2, vote: 1, commit: 1 }, entries(1, 3, 2));
		await wal.saveSnapshot({ index: 2, term: 2, data: bytes("s") });
		const size = statSync(join(dir, segmentFiles(dir)[0] as string)).size;
		await expect(wal.save(undefined, entries(5, 5, 2))).rejects.toThrow("leaves a gap");
		await expect(wal.save({ term: 1, vote: 1, commit: 1 }, [])).rejects.toThrow("term goes back");
		await expect(wal.save(undefined, entries(2, 2, 2))).rejects.toThrow("at or below the snapshot");
		await expect(wal.saveSnapshot({ index: 2, term: 2, data: bytes("s") })).rejects.toThrow(
			"not newer",
		);
		await expect(wal.saveSnapshot({ index: 0, term: 2, data: bytes("s") })).rejects.toBeInstanceOf(
			WalUsageError,
		);
		// A refused hard state leaves the entries of the same call unwritten too.
		await expect(wal.save({ term: 1, vote: 0, commit: 0 }, entries(4, 4, 2))).rejects.toThrow(
			WalUsageError,
		);
		expect(statSync(join(dir, segmentFiles(dir)[0] as string)).size).toBe(size);
		await wal.save(undefined, entries(4, 4, 2));
		await wal.close();
		const { recovered } = await reopen(dir);
		expect(recovered.entries.map((e) => e.index)).toEqual([3, 4]);
	});

	test("a closed log refuses saves and snapshots", async () => {
		const { wal } = await openQuiet(newDir());
		const pending = wal.save(undefined, entries(1, 1, 1));
		await wal.close();
		await pending;
		await expect(wal.save(undefined, entries(2, 2, 1))).rejects.toBeInstanceOf(WalClosedError);
		await expect(wal.saveSnapshot({ index: 1, term: 1, data: bytes("") })).rejects.toBeInstanceOf(
			WalClosedError,
		);
		await wal.close();
	});

	test("a segment size that is not a positive integer is refused", async () => {
		await expect(Wal.open(newDir(), { segmentBytes: 0 })).rejects.toBeInstanceOf(WalUsageError);
	});
});

describe("Wal: a crash at any byte of the last write", () => {
	test("recovers every acknowledged save, and of the torn one only whole records", async () => {
		const dir = newDir();
		const { wal } = await openQuiet(dir);
		const sizes: number[] = [];
		const segment = join(dir, segmentFiles(dir)[0] as string);
		sizes.push(statSync(segment).size);
		for (let i = 1; i <= 3; i++) {
			await wal.save({ term: 1, vote: 1, commit: i - 1 }, entries(i, i, 1));
			sizes.push(statSync(segment).size);
		}
		await wal.close();
		const full = readFileSync(segment);
		const lastStart = sizes[2] as number;
		// The last write holds entry 3's record (16 + 16 + 3 bytes), then the hard state's.
		const entryEnd = lastStart + 35;
		const crashDir = newDir();
		const crashSegment = join(crashDir, segmentFiles(dir)[0] as string);
		for (let cut = lastStart; cut <= full.byteLength; cut++) {
			copyFileSync(segment, crashSegment);
			writeFileSync(crashSegment, full.subarray(0, cut));
			const { recovered, lines } = await reopen(crashDir);
			// An unacknowledged write may land in part, but only as whole records, in order.
			const whole = cut === full.byteLength;
			const boundary = cut === lastStart || cut === entryEnd || whole;
			expect(recovered.entries.map((e) => e.index)).toEqual(cut >= entryEnd ? [1, 2, 3] : [1, 2]);
			expect(recovered.hardState?.commit).toBe(whole ? 2 : 1);
			expect(lines.at("WARN")).toHaveLength(boundary ? 0 : 1);
			expect(statSync(crashSegment).size).toBe(
				cut >= entryEnd ? (whole ? cut : entryEnd) : lastStart,
			);
		}
	});
});
