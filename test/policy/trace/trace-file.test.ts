import { describe, expect, test } from "bun:test";
import { parseTrace, TraceParseError } from "../../../scripts/trace/trace-file.ts";

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
