/**
 * File names in a log directory. Numbers are 16 lowercase hex digits, so names sort in
 * numeric order and can be parsed back exactly:
 *   wal-<seq>-<firstIndex>.log    a segment: its sequence number and the index its first entry has
 *   snap-<term>-<index>.snap      a snapshot
 *   *.tmp                         a file being written; renamed once durable, removed at open
 */
const SEGMENT = /^wal-([0-9a-f]{16})-([0-9a-f]{16})\.log$/;
const SNAPSHOT = /^snap-([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;

export const TMP_SUFFIX = ".tmp";

function hex(n: number): string {
	return n.toString(16).padStart(16, "0");
}

function parseHex(text: string): number | undefined {
	const n = Number.parseInt(text, 16);
	return Number.isSafeInteger(n) ? n : undefined;
}

export function segmentName(seq: number, firstIndex: number): string {
	return `wal-${hex(seq)}-${hex(firstIndex)}.log`;
}

export function parseSegmentName(
	name: string,
): { readonly seq: number; readonly firstIndex: number } | undefined {
	const match = SEGMENT.exec(name);
	if (!match?.[1] || !match[2]) return undefined;
	const seq = parseHex(match[1]);
	const firstIndex = parseHex(match[2]);
	if (seq === undefined || firstIndex === undefined) return undefined;
	return { seq, firstIndex };
}

export function snapshotName(term: number, index: number): string {
	return `snap-${hex(term)}-${hex(index)}.snap`;
}

export function isSnapshotName(name: string): boolean {
	return SNAPSHOT.test(name);
}
