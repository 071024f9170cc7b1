/** The log's onFsync hook: told once per group commit that wrote bytes, with its duration. */
import { describe, expect, test } from "bun:test";
import { Wal } from "../../cluster/wal/wal.ts";
import { entries, tempDir } from "./helpers.ts";

describe("Wal: onFsync", () => {
	test("one call per fsync (64 concurrent saves share one), none for an empty save", async () => {
		const dir = tempDir();
		const durations: number[] = [];
		try {
			const { wal } = await Wal.open(dir.path, {
				onFsync: (ms) => durations.push(ms),
				log: () => {},
			});
			await wal.save({ term: 1, vote: 1, commit: 0 }, entries(1, 1, 1));
			expect(durations.length).toBe(1);
			await Promise.all(entries(2, 65, 1).map((entry) => wal.save(undefined, [entry])));
			expect(durations.length).toBe(wal.flushCount);
			expect(durations.length).toBeLessThan(10);
			await wal.save(undefined, []);
			expect(durations.length).toBe(wal.flushCount - 1);
			for (const ms of durations) expect(ms).toBeGreaterThanOrEqual(0);
			await wal.close();
		} finally {
			dir.cleanup();
		}
	});
});
