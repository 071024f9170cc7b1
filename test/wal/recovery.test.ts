import { afterEach, describe, expect, test } from "bun:test";
import {
	appendFileSync,
	readdirSync,
	readFileSync,
	renameSync,
	statSync,
	unlinkSync,
	writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { WalCorruptError, WalSnapshotError } from "../../cluster/wal/errors.ts";
import { RECORD_HEADER_BYTES } from "../../cluster/wal/record.ts";
import { SEGMENT_HEADER_BYTES } from "../../cluster/wal/segment-header.ts";
import { Wal } from "../../cluster/wal/wal.ts";
import { bytes, entries, LogLines, tempDir } from "./helpers.ts";

const dirs: { cleanup: () => void }[] = [];
afterEach(() => {
	for (const dir of dirs.splice(0)) dir.cleanup();
});

/** A log of entries 1..12 over several segments, optionally with a snapshot at 3. */
async function writtenLog(withSnapshot = false): Promise<{ dir: string; segments: string[] }> {
	const made = tempDir();
	dirs.push(made);
	const { wal } = await Wal.open(made.path, { segmentBytes: 150, log: () => {} });
	for (let i = 1; i <= 12; i++) await wal.save({ term: 1, vote: 1, commit: i }, entries(i, i, 1));
	if (withSnapshot) await wal.saveSnapshot({ index: 3, term: 1, data: bytes("snapshot@3") });
	await wal.close();
	const segments = readdirSync(made.path)
		.filter((n) => n.endsWith(".log"))
		.sort();
	return { dir: made.path, segments };
}

async function openLines(dir: string) {
	const lines = new LogLines();
	const { wal, recovered } = await Wal.open(dir, { log: lines.log });
	await wal.close();
	return { recovered, lines };
}

async function openError(dir: string): Promise<Error> {
	try {
		await openLines(dir);
	} catch (error) {
		if (error instanceof Error) return error;
	}
	throw new Error("expected open to fail");
}

function files(dir: string): Record<string, number> {
	return Object.fromEntries(readdirSync(dir).map((n) => [n, statSync(join(dir, n)).size]));
}

describe("recovery: the tail of the last segment", () => {
	test("a torn record is cut with a WARN naming the file and offset, and the log goes on", async () => {
		const { dir, segments } = await writtenLog();
		const last = segments.at(-1) as string;
		const length = statSync(join(dir, last)).size;
		appendFileSync(join(dir, last), new Uint8Array([2, 0, 0, 0, 24, 0, 0]));
		const { recovered, lines } = await openLines(dir);
		expect(recovered.entries).toHaveLength(12);
		expect(lines.at("WARN")).toEqual([
			`torn tail in ${last} at offset ${length}: 7 bytes cut (7 bytes left, a header needs 16)`,
		]);
		expect(statSync(join(dir, last)).size).toBe(length);
		const { wal } = await Wal.open(dir, { log: () => {} });
		await wal.save(undefined, entries(13, 13, 1));
		await wal.close();
		expect((await openLines(dir)).recovered.entries).toHaveLength(13);
	});

	test("zeros past the last record are cut as a torn tail", async () => {
		const { dir, segments } = await writtenLog();
		const last = join(dir, segments.at(-1) as string);
		const length = statSync(last).size;
		appendFileSync(last, new Uint8Array(1000));
		const { lines } = await openLines(dir);
		expect(lines.at("WARN")[0]).toContain(`at offset ${length}: 1000 bytes cut`);
		expect(statSync(last).size).toBe(length);
	});
});

describe("recovery: damage before the tail is an error, and nothing is changed", () => {
	test("a flipped byte in an earlier record of the last segment", async () => {
		const { dir, segments } = await writtenLog();
		const last = segments.at(-1) as string;
		const path = join(dir, last);
		const data = readFileSync(path);
		const at = SEGMENT_HEADER_BYTES + RECORD_HEADER_BYTES + 2;
		data[at] = (data[at] as number) ^ 0x10;
		writeFileSync(path, data);
		const before = files(dir);
		const error = await openError(dir);
		expect(error).toBeInstanceOf(WalCorruptError);
		expect(error).toMatchObject({ file: last, offset: SEGMENT_HEADER_BYTES });
		expect(error.message).toContain(
			"payload checksum mismatch (before the end of the last segment)",
		);
		expect(files(dir)).toEqual(before);
	});

	test("garbage appended to the last segment (not zeros, not a record)", async () => {
		const { dir, segments } = await writtenLog();
		const path = join(dir, segments.at(-1) as string);
		const length = statSync(path).size;
		appendFileSync(path, new Uint8Array(40).fill(0x5a));
		expect(await openError(dir)).toMatchObject({ offset: length });
	});

	test("a cut at the end of a sealed segment", async () => {
		const { dir, segments } = await writtenLog();
		const first = segments[0] as string;
		const path = join(dir, first);
		writeFileSync(path, readFileSync(path).subarray(0, statSync(path).size - 3));
		const error = await openError(dir);
		expect(error).toBeInstanceOf(WalCorruptError);
		expect(error).toMatchObject({ file: first });
		expect(error.message).toContain("sealed segment");
	});

	test("a zero-length segment, last or not", async () => {
		for (const which of ["first", "last"] as const) {
			const { dir, segments } = await writtenLog();
			const name = (which === "first" ? segments[0] : segments.at(-1)) as string;
			writeFileSync(join(dir, name), new Uint8Array(0));
			const error = await openError(dir);
			expect(error).toBeInstanceOf(WalCorruptError);
			expect(error.message).toBe(
				`${name} at offset 0: empty file, a segment starts with a 32-byte header`,
			);
		}
	});

	test("a truncated segment header", async () => {
		const { dir, segments } = await writtenLog();
		const path = join(dir, segments.at(-1) as string);
		writeFileSync(path, readFileSync(path).subarray(0, 10));
		expect((await openError(dir)).message).toContain("truncated segment header: 10 of 32 bytes");
	});

	test("wrong magic and wrong version", async () => {
		const { dir, segments } = await writtenLog();
		const path = join(dir, segments[1] as string);
		const original = readFileSync(path);
		const magic = Uint8Array.from(original);
		magic[0] = 0;
		writeFileSync(path, magic);
		expect((await openError(dir)).message).toContain("not a segment: bad magic");
		const version = Uint8Array.from(original);
		version[4] = 9;
		writeFileSync(path, version);
		expect((await openError(dir)).message).toContain("unsupported segment version 9");
	});

	test("a segment renamed so its name and header disagree", async () => {
		const { dir, segments } = await writtenLog();
		const last = segments.at(-1) as string;
		const renamed = last.replace(/-([0-9a-f]{16})\.log$/, "-00000000000000ff.log");
		renameSync(join(dir, last), join(dir, renamed));
		expect((await openError(dir)).message).toContain("the name disagrees");
	});

	test("a missing middle segment, and a missing first segment with no snapshot", async () => {
		const middle = await writtenLog();
		unlinkSync(join(middle.dir, middle.segments[1] as string));
		expect((await openError(middle.dir)).message).toContain("a segment is missing");
		const first = await writtenLog();
		unlinkSync(join(first.dir, first.segments[0] as string));
		expect((await openError(first.dir)).message).toMatch(/entries 1\.\.\d+ are missing/);
	});
});

describe("recovery: snapshots", () => {
	test("the snapshot and the entries after it come back", async () => {
		const { dir } = await writtenLog(true);
		const { recovered } = await openLines(dir);
		expect(recovered.snapshot?.index).toBe(3);
		expect(new TextDecoder().decode(recovered.snapshot?.data)).toBe("snapshot@3");
		expect(recovered.entries.map((e) => e.index)).toEqual(entries(4, 12, 1).map((e) => e.index));
	});

	test("a missing snapshot file the log refers to", async () => {
		const { dir } = await writtenLog(true);
		const snap = readdirSync(dir).find((n) => n.endsWith(".snap")) as string;
		unlinkSync(join(dir, snap));
		const error = await openError(dir);
		expect(error).toBeInstanceOf(WalSnapshotError);
		expect(error.message).toBe(`${snap}: missing: the log refers to snapshot 3 (term 1)`);
	});

	test("a corrupt, truncated or substituted snapshot file", async () => {
		const { dir } = await writtenLog(true);
		const snap = readdirSync(dir).find((n) => n.endsWith(".snap")) as string;
		const path = join(dir, snap);
		const original = readFileSync(path);
		const flipped = Uint8Array.from(original);
		flipped[45] = (flipped[45] as number) ^ 1;
		writeFileSync(path, flipped);
		expect(await openError(dir)).toMatchObject({
			file: snap,
			reason: "snapshot data checksum mismatch",
		});
		writeFileSync(path, original.subarray(0, 20));
		expect((await openError(dir)).message).toContain("truncated");
		writeFileSync(path, new Uint8Array(0));
		expect(await openError(dir)).toBeInstanceOf(WalSnapshotError);
		// A whole, valid snapshot file, but not the one the log recorded.
		const other = await writtenLog(false);
		const { wal } = await Wal.open(other.dir, { log: () => {} });
		await wal.saveSnapshot({ index: 3, term: 1, data: bytes("different") });
		await wal.close();
		writeFileSync(path, readFileSync(join(other.dir, snap)));
		expect((await openError(dir)).message).toContain("not the one the log recorded");
	});

	test("snapshot files without any segment", async () => {
		const { dir } = await writtenLog(true);
		for (const name of readdirSync(dir).filter((n) => n.endsWith(".log")))
			unlinkSync(join(dir, name));
		expect((await openError(dir)).message).toContain("but no segment");
	});
});

describe("recovery: leftovers of interrupted saves", () => {
	test("temporary files and unreferenced snapshots are removed with an INFO line", async () => {
		const { dir } = await writtenLog(true);
		writeFileSync(join(dir, "wal-0000000000000099-0000000000000099.log.tmp"), bytes("half"));
		writeFileSync(
			join(dir, "snap-0000000000000001-0000000000000009.snap"),
			bytes("never recorded"),
		);
		writeFileSync(join(dir, "notes.txt"), bytes("not ours"));
		const { recovered, lines } = await openLines(dir);
		expect(recovered.snapshot?.index).toBe(3);
		expect(lines.at("INFO").filter((l) => l.startsWith("removing"))).toHaveLength(2);
		expect(readdirSync(dir).filter((n) => n.endsWith(".tmp") || n.includes("0009.snap"))).toEqual(
			[],
		);
		expect(readdirSync(dir)).toContain("notes.txt");
	});
});
