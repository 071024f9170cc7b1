/**
 * Replaying the records of every segment, oldest first, into a LogState. Pure. A record
 * that breaks a rule, a missing segment or a hole in the indexes is reported as corruption
 * naming the file and offset.
 */
import { WalCorruptError } from "./errors.ts";
import { LogRuleError, LogState } from "./log-state.ts";
import type { ScannedRecord } from "./scan.ts";
import type { SegmentHeader } from "./segment-header.ts";

export interface ParsedSegment {
	readonly name: string;
	readonly header: SegmentHeader;
	readonly records: readonly ScannedRecord[];
	/** Where the file's valid bytes end (its length once a torn tail is cut). */
	readonly validLength: number;
}

export function replay(segments: readonly ParsedSegment[], keepData: boolean): LogState {
	const oldest = segments[0];
	const state = new LogState(oldest?.header.firstIndex ?? 1, keepData);
	let previous: ParsedSegment | undefined;
	for (const segment of segments) {
		if (previous) {
			if (segment.header.seq !== previous.header.seq + 1) {
				throw new WalCorruptError(
					segment.name,
					0,
					`sequence ${segment.header.seq} follows ${previous.header.seq}: a segment is missing`,
				);
			}
			if (segment.header.firstIndex !== state.last + 1) {
				throw new WalCorruptError(
					segment.name,
					0,
					`segment starts at index ${segment.header.firstIndex}, the log before it ends at ${state.last}`,
				);
			}
		}
		for (const { record, offset } of segment.records) {
			try {
				switch (record.type) {
					case "entry":
						state.applyEntry(record.entry);
						break;
					case "hardState":
						state.applyHardState(record.hardState);
						break;
					case "truncate":
						state.applyTruncate(record.from);
						break;
					case "snapshot":
						if (record.restated) state.restateSnapshot(record.snapshot);
						else state.applySnapshot(record.snapshot);
						break;
				}
			} catch (error) {
				if (error instanceof LogRuleError) {
					throw new WalCorruptError(segment.name, offset, error.message);
				}
				throw error;
			}
		}
		previous = segment;
	}
	const incomplete = state.checkComplete();
	if (incomplete && oldest) throw new WalCorruptError(oldest.name, 0, incomplete);
	return state;
}
