import { describe, expect, test } from "bun:test";
import { findDuplicateKey } from "../../cluster/node/duplicate-keys.ts";

describe("findDuplicateKey", () => {
	test.each([
		["top-level keys", "a: 1\nb: 2\na: 3\n", { path: "a", line: 3 }],
		["node ids, one quoted", 'nodes:\n  1: x\n  "1": y\n', { path: "nodes.1", line: 3 }],
		[
			"a plain decimal key is its number",
			"nodes:\n  01: x\n  1: y\n",
			{ path: "nodes.1", line: 3 },
		],
		[
			"nested block mappings",
			"n:\n  1:\n    raft: a\n    raft: b\n",
			{ path: "n.1.raft", line: 4 },
		],
		["within one list item", "x:\n  - a: 1\n    a: 2\n", { path: "x.a", line: 3 }],
		["windows line ends", "a: 1\r\na: 2\r\n", { path: "a", line: 2 }],
	])("%s: the second mention is found", (_name, text, found) => {
		expect(findDuplicateKey(text)).toEqual(found);
	});

	test.each([
		["distinct keys", "a: 1\nb: 2\n"],
		["one key name in sibling mappings", "a:\n  b: 1\nc:\n  b: 2\n"],
		["one key name in sibling list items", "x:\n  - a: 1\n    b: 2\n  - a: 3\n    b: 4\n"],
		["keys inside a block scalar", "t: |\n  a: 1\n  a: 2\nu: 1\n"],
		["a key in a comment", "a: 1 # c: 2\nc: 3\n"],
		["colons inside values", "url: http://x:1\nurl2: 'a: b'\n"],
		["two documents", "a: 1\n---\na: 2\n"],
		["flow mappings on their own lines", "n:\n  1: { raft: a:1 }\n  2: { raft: a:1 }\n"],
	])("%s: none", (_name, text) => {
		expect(findDuplicateKey(text)).toBeUndefined();
	});
});
