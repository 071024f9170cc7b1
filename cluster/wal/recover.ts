/**
 * Opening a log directory: read every segment, replay it, cut a torn tail, load the
 * snapshot the log refers to. Files are changed (tail cut, leftovers removed) only once
 * everything has been read and checked, so a failed recovery leaves the directory as found.
 */
import { open, readdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { WalCorruptError, WalSnapshotError } from "./errors.ts";
import { isSnapshotName, parseSegmentName, snapshotName, TMP_SUFFIX } from "./file-names.ts";
import { fsyncDir } from "./files.ts";
import type { LogState } from "./log-state.ts";
import type { WalLogger } from "./logger.ts";
import { type ParsedSegment, replay } from "./replay.ts";
import { scanRecords } from "./scan.ts";
import { decodeSegmentHeader, SEGMENT_HEADER_BYTES } from "./segment-header.ts";
import { decodeSnapshotFile } from "./snapshot-file.ts";
import type { Snapshot } from "./types.ts";

export interface SegmentInfo {
	readonly name: string;
	readonly seq: number;
	readonly firstIndex: number;
}

export interface RecoveredDir {
	readonly state: LogState;
	/** Oldest first; empty for a new log. */
	readonly segments: SegmentInfo[];
	/** The last segment's length once a torn tail is cut (0 for a new log). */
	readonly lastLength: number;
	readonly snapshot: Snapshot | undefined;
}

export async function recoverDir(dir: string, log: WalLogger): Promise<RecoveredDir> {
	const names = (await readdir(dir)).sort();
	const segmentNames = names
		.map((name) => ({ name, parsed: parseSegmentName(name) }))
		.filter((s) => s.parsed !== undefined)
		.sort((a, b) => (a.parsed?.seq ?? 0) - (b.parsed?.seq ?? 0));
	const snapshotNames = names.filter(isSnapshotName);

	const parsed: ParsedSegment[] = [];
	let lastFileLength = 0;
	for (const [i, { name, parsed: fromName }] of segmentNames.entries()) {
		const bytes = new Uint8Array(await readFile(join(dir, name)));
		const header = decodeSegmentHeader(bytes);
		if (typeof header === "string") throw new WalCorruptError(name, 0, header);
		if (header.seq !== fromName?.seq || header.firstIndex !== fromName.firstIndex) {
			throw new WalCorruptError(
				name,
				0,
				`header says sequence ${header.seq}, first index ${header.firstIndex}; the name disagrees`,
			);
		}
		const isLast = i === segmentNames.length - 1;
		const scan = scanRecords(bytes, SEGMENT_HEADER_BYTES, name, isLast);
		if (scan.torn) {
			log(
				"WARN",
				`torn tail in ${name} at offset ${scan.torn.offset}: ${bytes.byteLength - scan.validLength} bytes cut (${scan.torn.reason})`,
			);
		}
		parsed.push({ name, header, records: scan.records, validLength: scan.validLength });
		lastFileLength = bytes.byteLength;
	}
	if (parsed.length === 0 && snapshotNames.length > 0) {
		throw new WalCorruptError(dir, 0, `snapshot files (${snapshotNames[0]}...) but no segment`);
	}

	const state = replay(parsed, true);
	const snapshot = state.snapshot ? await loadSnapshot(dir, state) : undefined;

	// Everything checked: now change files.
	const last = parsed.at(-1);
	if (last && last.validLength < lastFileLength)
		await truncateFile(join(dir, last.name), last.validLength);
	let removed = false;
	const keep = snapshot ? snapshotName(snapshot.term, snapshot.index) : undefined;
	for (const name of names) {
		const stale = name.endsWith(TMP_SUFFIX) || (isSnapshotName(name) && name !== keep);
		if (!stale) continue;
		log("INFO", `removing ${name}: no record refers to it (left by an interrupted save)`);
		await unlink(join(dir, name));
		removed = true;
	}
	if (removed) await fsyncDir(dir);

	return {
		state,
		segments: parsed.map((p) => ({
			name: p.name,
			seq: p.header.seq,
			firstIndex: p.header.firstIndex,
		})),
		lastLength: last?.validLength ?? 0,
		snapshot,
	};
}

async function loadSnapshot(dir: string, state: LogState): Promise<Snapshot> {
	const ref = state.snapshot;
	if (!ref) throw new Error("loadSnapshot without a snapshot record");
	const name = snapshotName(ref.term, ref.index);
	let bytes: Uint8Array;
	try {
		bytes = new Uint8Array(await readFile(join(dir, name)));
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === "ENOENT") {
			throw new WalSnapshotError(
				name,
				`missing: the log refers to snapshot ${ref.index} (term ${ref.term})`,
			);
		}
		throw error;
	}
	const decoded = decodeSnapshotFile(bytes);
	if (typeof decoded === "string") throw new WalSnapshotError(name, decoded);
	const { snapshot, dataCrc } = decoded;
	if (snapshot.index !== ref.index || snapshot.term !== ref.term || dataCrc !== ref.dataCrc) {
		throw new WalSnapshotError(
			name,
			`holds snapshot ${snapshot.index} (term ${snapshot.term}), not the one the log recorded`,
		);
	}
	return snapshot;
}

async function truncateFile(path: string, length: number): Promise<void> {
	const handle = await open(path, "r+");
	try {
		await handle.truncate(length);
		await handle.sync();
	} finally {
		await handle.close();
	}
}
