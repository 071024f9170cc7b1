import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
	parseTrace,
	readTraceFile,
	TraceFileError,
	TraceParseError,
} from "../../../scripts/trace/trace-file.ts";

function parseError(text: string): TraceParseError {
	try {
		parseTrace("bad", text);
	} catch (error) {
		if (error instanceof TraceParseError) return error;
		throw error;
	}
	throw new Error("expected a TraceParseError");
}

describe("parseTrace", () => {
	test("interns keys to dense ids in order of first appearance", () => {
		const trace = parseTrace("t", "1,x,10\n2,y,20\n3,x,10\n");
		expect([...trace.ids]).toEqual([0, 1, 0]);
		expect([...trace.sizes]).toEqual([10, 20, 10]);
		expect(trace.uniqueObjects).toBe(2);
		expect(trace.uniqueBytes).toBe(30);
	});

	test("a header line is skipped only as the first line", () => {
		const trace = parseTrace("t", "timestamp,key,size\n1,a,1\n");
		expect(trace.ids.length).toBe(1);
		// Anywhere else it is a malformed request line.
		expect(parseError("1,a,1\ntimestamp,key,size\n").lineNumber).toBe(2);
	});

	test("skips blank lines but keeps counting them for line numbers", () => {
		const trace = parseTrace("t", "1,a,1\n\n2,b,1\r\n");
		expect(trace.ids.length).toBe(2);
		expect(parseError("1,a,1\n\n3,b").lineNumber).toBe(3);
	});

	test("names the line and the reason for a wrong field count", () => {
		const error = parseError("1,a,1\n2,b,1,extra\n");
		expect(error.lineNumber).toBe(2);
		expect(error.message).toContain("line 2");
		expect(error.message).toContain("timestamp,key,size");
	});

	test("rejects sizes that are not non-negative integers, and empty keys", () => {
		expect(parseError("1,a,-5").message).toContain('size "-5"');
		expect(parseError("1,a,1\n1,a,big").lineNumber).toBe(2);
		expect(parseError("1,,1").message).toContain("empty key");
	});
});

describe("parseTrace: the input rules", () => {
	test("a UTF-8 BOM, CRLF line ends and a trailing blank line change nothing", () => {
		const trace = parseTrace("t", "\uFEFF1,a,5\r\n2,b,7\r\n3,a,5\r\n\r\n");
		expect([...trace.ids]).toEqual([0, 1, 0]);
		expect(trace.uniqueBytes).toBe(12);
	});

	test("a first line that is not a request is a header, skipped and kept for the report", () => {
		const trace = parseTrace("t", "time,object id,bytes\n1,a,5\n");
		expect(trace.ids.length).toBe(1);
		expect(trace.header).toBe("time,object id,bytes");
		expect(parseTrace("t", "1,a,5\n").header).toBeUndefined();
	});

	test("quoted keys (RFC 4180) may hold commas and quotes, and equal their unquoted form", () => {
		const trace = parseTrace("t", '1,"a,b",5\n2,"say ""hi""",5\n3,a,5\n4,"a",5\n');
		expect([...trace.ids]).toEqual([0, 1, 2, 2]);
		expect(parseError('1,"a,5\n').message).toContain("no closing quote");
		expect(parseError('1,a"b,5\n').message).toContain("quote");
	});

	test("requests of size 0 are skipped and counted, as libCacheSim skips them", () => {
		const trace = parseTrace("t", "1,a,0\n2,a,0\n3,b,5\n4,b,5\n5,c,5\n");
		expect([...trace.ids]).toEqual([0, 0, 1]);
		expect(trace.uniqueObjects).toBe(2);
		expect(trace.uniqueBytes).toBe(10);
		expect(trace.zeroSizeSkipped).toBe(2);
	});

	test("an object whose size changes weighs its first size in the working set", () => {
		const trace = parseTrace("t", "1,a,100\n2,a,300\n3,b,10\n");
		expect(trace.uniqueBytes).toBe(110);
		expect([...trace.sizes]).toEqual([100, 300, 10]);
		expect(trace.hasSizes).toBe(true);
		expect(parseTrace("t", "1,a,1\n2,b,1\n").hasSizes).toBe(false);
	});

	test("timestamps must be non-negative numbers; fractions are fine", () => {
		expect(parseTrace("t", "1.25,a,1\n2,b,1\n").ids.length).toBe(2);
		expect(parseError("1,a,1\nabc,b,1\n").message).toContain('line 2: timestamp "abc"');
		expect(parseError("1,a,1\n-3,b,1\n").message).toContain('timestamp "-3"');
	});

	test("sizes must be integers a double holds exactly; larger than 32 bits is fine", () => {
		expect(parseError("1,a,99999999999999999999999\n").message).toContain("size");
		expect(parseError("1,a,1.5\n").message).toContain('size "1.5"');
		const big = parseTrace("t", "1,a,10000000000\n2,b,1\n");
		expect([...big.sizes]).toEqual([10_000_000_000, 1]);
		expect(parseError("1,a,9007199254740991\n2,b,1\n").message).toContain("sum past");
	});

	test("errors name the source", () => {
		expect(parseError("1,a\n").message).toStartWith("bad line 1:");
	});
});

describe("readTraceFile", () => {
	const dir = mkdtempSync(join(tmpdir(), "trace-file-"));
	afterAll(() => rmSync(dir, { recursive: true, force: true }));
	const write = (name: string, text: string) => {
		const path = join(dir, name);
		writeFileSync(path, text);
		return path;
	};

	test("streams a file larger than one read into the same trace parseTrace builds", () => {
		// 4 KiB reads of about 400 KB: lines straddle many chunk boundaries.
		const lines: string[] = [];
		for (let i = 0; i < 20_000; i++) lines.push(`${i},key-${(i * 7919) % 5_021},${i % 977}`);
		const text = `${lines.join("\n")}\n`;
		const progress: number[] = [];
		const path = write("big.csv", text);
		const streamed = readTraceFile(path, "big", (bytes) => progress.push(bytes), 4096);
		const whole = parseTrace("big", text);
		expect(streamed.ids).toEqual(whole.ids);
		expect(streamed.sizes).toEqual(whole.sizes);
		expect(streamed.uniqueObjects).toBe(whole.uniqueObjects);
		expect(streamed.uniqueBytes).toBe(whole.uniqueBytes);
		expect(progress.length).toBe(Math.ceil(Buffer.byteLength(text) / 4096));
		expect(progress.at(-1)).toBe(Buffer.byteLength(text));
	});

	test("a last line without a newline counts; a truncated one is an error naming it", () => {
		expect(readTraceFile(write("no-newline.csv", "1,a,1\n2,b,2"), "t").ids.length).toBe(2);
		const truncated = write("truncated.csv", "1,a,1\n2,b,2\n3,c");
		expect(() => readTraceFile(truncated, "t")).toThrow(/line 3: expected timestamp,key,size/);
	});

	test("an unreadable path is a TraceFileError naming it, not a crash", () => {
		expect(() => readTraceFile(dir, "t")).toThrow(TraceFileError);
		expect(() => readTraceFile(join(dir, "none.csv"), "t")).toThrow(
			/cannot read trace file .*none\.csv: ENOENT/,
		);
	});

	test("errors name the file and the line", () => {
		const path = write("bad.csv", "1,a,1\n2,b,x\n");
		expect(() => readTraceFile(path, "t")).toThrow(`${path} line 2: size "x"`);
	});

	test("multi-byte keys split across chunk boundaries decode intact", () => {
		const key = "ключ-🔑";
		const lines = Array.from({ length: 3_000 }, (_, i) => `${i},${key}${i % 3},1`);
		const trace = readTraceFile(write("utf8.csv", `${lines.join("\n")}\n`), "t", undefined, 1001);
		expect(trace.ids.length).toBe(3_000);
		expect(trace.uniqueObjects).toBe(3);
	});
});
