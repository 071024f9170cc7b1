import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseTrace, readTraceFile, TraceParseError } from "../../../scripts/trace/trace-file.ts";

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

	test("multi-byte keys split across chunk boundaries decode intact", () => {
		const key = "ключ-🔑";
		const lines = Array.from({ length: 3_000 }, (_, i) => `${i},${key}${i % 3},1`);
		const trace = readTraceFile(write("utf8.csv", `${lines.join("\n")}\n`), "t", undefined, 1001);
		expect(trace.ids.length).toBe(3_000);
		expect(trace.uniqueObjects).toBe(3);
	});
});
