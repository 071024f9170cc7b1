import { describe, expect, test } from "bun:test";
import { crc32 } from "../../cluster/wal/crc32.ts";
import {
	isSnapshotName,
	parseSegmentName,
	segmentName,
	snapshotName,
} from "../../cluster/wal/file-names.ts";
import {
	decodeSegmentHeader,
	encodeSegmentHeader,
	SEGMENT_HEADER_BYTES,
} from "../../cluster/wal/segment-header.ts";
import { decodeSnapshotFile, encodeSnapshotFile } from "../../cluster/wal/snapshot-file.ts";
import { bytes } from "./helpers.ts";

describe("segment header", () => {
	test("round-trips", () => {
		const header = { seq: 3, firstIndex: 2 ** 40 };
		const encoded = encodeSegmentHeader(header);
		expect(encoded.byteLength).toBe(SEGMENT_HEADER_BYTES);
		expect(decodeSegmentHeader(encoded)).toEqual(header);
	});

	test("an empty file is named as such", () => {
		expect(decodeSegmentHeader(new Uint8Array(0))).toContain("empty file");
	});

	test("a truncated header says how many bytes it has", () => {
		const encoded = encodeSegmentHeader({ seq: 0, firstIndex: 1 });
		expect(decodeSegmentHeader(encoded.subarray(0, 20))).toBe(
			"truncated segment header: 20 of 32 bytes",
		);
	});

	test("wrong magic is not a segment", () => {
		const encoded = encodeSegmentHeader({ seq: 0, firstIndex: 1 });
		encoded[0] = 0x58;
		expect(decodeSegmentHeader(encoded)).toBe("not a segment: bad magic");
	});

	test("another version is refused by number, before its checksum is judged", () => {
		const encoded = encodeSegmentHeader({ seq: 0, firstIndex: 1 });
		new DataView(encoded.buffer).setUint16(4, 2, true);
		expect(decodeSegmentHeader(encoded)).toBe("unsupported segment version 2");
	});

	test("a changed byte fails the checksum", () => {
		const encoded = encodeSegmentHeader({ seq: 0, firstIndex: 1 });
		encoded[9] = 1;
		expect(decodeSegmentHeader(encoded)).toBe("segment header checksum mismatch");
	});

	test("first index 0 is impossible even under a good checksum", () => {
		const encoded = encodeSegmentHeader({ seq: 0, firstIndex: 1 });
		encoded[16] = 0;
		new DataView(encoded.buffer).setUint32(28, crc32(encoded.subarray(0, 28)), true);
		expect(decodeSegmentHeader(encoded)).toContain("impossible");
	});
});

describe("file names", () => {
	test("segment names sort numerically and parse back", () => {
		expect(segmentName(10, 255)).toBe("wal-000000000000000a-00000000000000ff.log");
		expect(parseSegmentName(segmentName(10, 255))).toEqual({ seq: 10, firstIndex: 255 });
		expect(segmentName(9, 1) < segmentName(10, 1)).toBe(true);
	});

	test("other names are not segments or snapshots", () => {
		expect(parseSegmentName("wal-0-1.log")).toBeUndefined();
		expect(parseSegmentName(`${segmentName(1, 1)}.tmp`)).toBeUndefined();
		expect(parseSegmentName("wal-ffffffffffffffff-0000000000000001.log")).toBeUndefined();
		expect(isSnapshotName(snapshotName(2, 9))).toBe(true);
		expect(isSnapshotName(`${snapshotName(2, 9)}.tmp`)).toBe(false);
	});
});

describe("snapshot file", () => {
	const snapshot = { index: 9, term: 2, data: bytes("state machine") };
	const good = () => encodeSnapshotFile(snapshot, crc32(snapshot.data));

	test("round-trips", () => {
		expect(decodeSnapshotFile(good())).toEqual({ snapshot, dataCrc: crc32(snapshot.data) });
	});

	test("truncated, empty, wrong magic, wrong version, bad header, bad data, extra bytes", () => {
		const g = good();
		expect(decodeSnapshotFile(new Uint8Array(0))).toContain("truncated");
		expect(decodeSnapshotFile(g.subarray(0, 30))).toContain("truncated");
		expect(decodeSnapshotFile(g.subarray(0, g.byteLength - 1))).toContain("its header says 13");
		const magic = good();
		magic[1] = 0;
		expect(decodeSnapshotFile(magic)).toContain("bad magic");
		const version = good();
		version[4] = 7;
		expect(decodeSnapshotFile(version)).toBe("unsupported snapshot version 7");
		const header = good();
		header[8] = 8;
		expect(decodeSnapshotFile(header)).toBe("snapshot header checksum mismatch");
		const data = good();
		data[45] = (data[45] as number) ^ 0x20;
		expect(decodeSnapshotFile(data)).toBe("snapshot data checksum mismatch");
		const longer = new Uint8Array(g.byteLength + 1);
		longer.set(g);
		expect(decodeSnapshotFile(longer)).toContain("holds 14 data bytes");
	});
});
