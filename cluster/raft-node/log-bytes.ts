/**
 * How many bytes a member's log takes on disk: its segments and snapshot files, read from
 * the directory when asked (a scrape), so the log itself keeps no extra count.
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { isSnapshotName, parseSegmentName } from "../wal/file-names.ts";

export async function logBytesOnDisk(dir: string): Promise<number> {
	const names = await readdir(dir);
	let total = 0;
	for (const name of names) {
		if (parseSegmentName(name) === undefined && !isSnapshotName(name)) continue;
		// A segment removed by compaction between readdir and stat counts as gone.
		const size = await stat(join(dir, name)).then(
			(s) => s.size,
			() => 0,
		);
		total += size;
	}
	return total;
}
