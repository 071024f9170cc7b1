import fc from "fast-check";
import type { WalRecord } from "../../cluster/wal/record.ts";

const count = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const positive = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });

/** Any record the log can write. */
export const walRecord: fc.Arbitrary<WalRecord> = fc.oneof(
	fc
		.record({ index: positive, term: positive, data: fc.uint8Array({ maxLength: 200 }) })
		.map((entry): WalRecord => ({ type: "entry", entry })),
	fc
		.record({ term: count, vote: count, commit: count })
		.map((hardState): WalRecord => ({ type: "hardState", hardState })),
	positive.map((from): WalRecord => ({ type: "truncate", from })),
	fc
		.record({
			index: positive,
			term: positive,
			dataCrc: fc.integer({ min: 0, max: 0xffffffff }),
			keepLog: fc.boolean(),
		})
		.chain((snapshot) =>
			fc.boolean().map((restated): WalRecord => ({ type: "snapshot", snapshot, restated })),
		),
);
