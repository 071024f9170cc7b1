import { expect, test } from "bun:test";
import { rateLimitedLog } from "../../edge/proxy/rate-limited-log.ts";

function harness(limit: number, windowMs: number) {
	const lines: string[] = [];
	let now = 0;
	const log = rateLimitedLog(
		(line) => lines.push(line),
		() => now,
		{ limit, windowMs },
	);
	const advance = (ms: number) => {
		now += ms;
	};
	return { lines, log, advance };
}

test("at most `limit` lines a window; the rest are counted, and the count is said once", () => {
	const { lines, log, advance } = harness(2, 1000);
	for (let i = 0; i < 5; i++) log(`WARN failure ${i}`);
	expect(lines).toEqual(["WARN failure 0", "WARN failure 1"]);
	advance(999);
	log("WARN still held");
	expect(lines).toHaveLength(2);
	advance(1);
	log("WARN next window");
	expect(lines.slice(2)).toEqual([
		"WARN 4 more lines like these were suppressed (at most 2 per 1000 ms)",
		"WARN next window",
	]);
	log("WARN second in window");
	expect(lines.at(-1)).toBe("WARN second in window");
	expect(lines).toHaveLength(5);
});

test("a quiet log writes every line", () => {
	const { lines, log, advance } = harness(1, 100);
	for (let i = 0; i < 3; i++) {
		log(`line ${i}`);
		advance(100);
	}
	expect(lines).toEqual(["line 0", "line 1", "line 2"]);
});
