import { describe, expect, test } from "bun:test";
import { PurgeHistory } from "../../edge/store/purge-history.ts";
import type { PurgeSelector } from "../../edge/store/storage.ts";

const soft = (header: Uint8Array) => header;
const byKey = (key: string) => (selector: PurgeSelector) =>
	"key" in selector && selector.key === key;

describe("the tier's purge history", () => {
	test("a mark taken now sees only the purges after it", () => {
		const history = new PurgeHistory();
		history.record({ key: "a" });
		const mark = history.mark;
		expect(history.since(mark, byKey("a"))).toEqual({ hard: false, invalidations: [] });
		history.record({ key: "b" });
		expect(history.since(mark, byKey("a")).hard).toBe(false);
		history.record({ key: "a" });
		expect(history.since(mark, byKey("a")).hard).toBe(true);
	});

	test("soft purges come back as their rewrites, once each; a hard one among them still counts", () => {
		const history = new PurgeHistory();
		const mark = history.mark;
		history.record({ key: "a" }, soft);
		history.record({ key: "a" }, soft);
		expect(history.since(mark, byKey("a"))).toEqual({ hard: false, invalidations: [soft] });
		history.record({ key: "a" });
		expect(history.since(mark, byKey("a"))).toEqual({ hard: true, invalidations: [soft] });
	});

	test("a mark older than the history reaches is answered as a hard purge: nothing stored is safe", () => {
		const history = new PurgeHistory(2);
		const mark = history.mark;
		history.record({ key: "x" });
		history.record({ key: "y" });
		expect(history.since(mark, byKey("a")).hard).toBe(false);
		history.record({ key: "z" });
		expect(history.since(mark, byKey("a")).hard).toBe(true);
		// A mark the history still reaches is judged by what it holds.
		expect(history.since(history.mark - 1, byKey("a")).hard).toBe(false);
	});
});
