import { describe, expect, test } from "bun:test";
import { crc32 } from "../../cluster/wal/crc32.ts";
import { bytes } from "./helpers.ts";

describe("crc32", () => {
	test("matches the standard CRC-32 check values", () => {
		expect(crc32(bytes("123456789"))).toBe(0xcbf43926);
		expect(crc32(new Uint8Array(0))).toBe(0);
		expect(crc32(bytes("a"))).toBe(0xe8b7be43);
		expect(crc32(bytes("The quick brown fox jumps over the lazy dog"))).toBe(0x414fa339);
		expect(crc32(new Uint8Array(32))).toBe(0x190a55ad);
		expect(crc32(new Uint8Array(32).fill(0xff))).toBe(0xff6cab0b);
	});

	test("covers exactly the view it is given, not its whole buffer", () => {
		const wide = bytes("xx123456789yy");
		expect(crc32(wide.subarray(2, 11))).toBe(0xcbf43926);
	});

	test("is unsigned", () => {
		expect(crc32(bytes("123456789"))).toBeGreaterThan(0x7fffffff);
	});
});
