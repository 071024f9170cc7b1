import { describe, expect, test } from "bun:test";
import { MAX_TAG_LENGTH, MAX_TAGS, purgeTags } from "../../edge/http/purge-tags.ts";

const tagList = (count: number) => Array.from({ length: count }, (_, i) => `t${i}`).join(",");

describe("purge tags (Cache-Tag, Surrogate-Key)", () => {
	test("both fields, commas or whitespace between tags, each tag once", () => {
		const headers = new Headers({ "cache-tag": "a, b,,c", "surrogate-key": "c d\te" });
		expect(purgeTags(headers)).toEqual(["a", "b", "c", "d", "e"]);
	});

	test("none named: no tags", () => {
		expect(purgeTags(new Headers())).toEqual([]);
	});

	test("a tag no purge request could name is left out", () => {
		const long = "x".repeat(MAX_TAG_LENGTH + 1);
		expect(purgeTags(new Headers({ "cache-tag": `${long}, kept` }))).toEqual(["kept"]);
	});

	test("up to the bound, every tag is kept, counted once each across both fields", () => {
		const headers = new Headers({ "cache-tag": tagList(MAX_TAGS), "surrogate-key": "t0 t1" });
		expect(purgeTags(headers)).toHaveLength(MAX_TAGS);
	});

	test("past the bound: no tag list at all, since the response cannot be kept under all of them", () => {
		// Before: the first 64 were kept and the rest dropped, so a purge by the 65th missed.
		expect(purgeTags(new Headers({ "cache-tag": tagList(MAX_TAGS + 1) }))).toBeUndefined();
		const split = new Headers({ "cache-tag": tagList(MAX_TAGS), "surrogate-key": "one-more" });
		expect(purgeTags(split)).toBeUndefined();
	});
});
