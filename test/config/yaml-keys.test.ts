import { describe, expect, test } from "bun:test";
import { yamlKeyProblem } from "../../edge/config/yaml-keys.ts";

const problem = (text: string) => yamlKeyProblem(text, (plain) => Bun.YAML.parse(plain));

describe("YAML keys the parser would lose", () => {
	test.each([
		["sibling mappings with the same keys", "a:\n  x: 1\nb:\n  x: 2\n"],
		["sequence items with the same keys", "- a: 1\n  b: 2\n- a: 3\n  b: 4\n"],
		["keys inside a block scalar", "a: |\n  a: 1\n  a: 2\nb: 1\n"],
		["a key in a comment or a quoted value", "a: 1 # a: 2\nb: 'a: y'\n"],
		["a number whose key is the text written", "127.1: x\ntrue: y\nnull: z\n"],
		["a quoted number", "'1.10': x\n"],
		["colons inside values", "url: http://x:1\nurl2: 'a: b'\n"],
		["one key in two documents", "a: 1\n---\na: 2\n"],
		["flow mappings on their own lines", "n:\n  1: { raft: a:1 }\n  2: { raft: a:1 }\n"],
		["a quoted value over several lines", 'b: "x\n  a: 1\n  a: 2"\nc: 1\n'],
		["a single-quoted value over several lines", "b: 'it''s\n  a: 1\n  a: 2'\n"],
		["a quoted sequence item over several lines", '- "x\n  b: 1\n  b: 2"\n'],
		["a block scalar as a sequence item", "- |\n  a: 1\n  a: 2\n- >\n  a: 1\n  a: 2\n"],
		["a plain value over several lines", "a: foo\n  [{x: 1, x: 2}]\n"],
	])("%s pass", (_name, text) => {
		expect(problem(text)).toBeUndefined();
	});

	test.each([
		[
			"a key twice",
			"a: 1\nb: 2\na: 3\n",
			"line 3: a: written twice in one mapping (lines 1 and 3)",
		],
		["a key twice in a nested mapping", "h:\n  x: 1\n  'x': 2\n", "line 3: h.x: written twice"],
		["a key twice in one sequence item", "- a: 1\n  a: 2\n", "line 2: a: written twice"],
		["a number spelled otherwise", "010: x\n", "line 1: 010: the key 010 reads as the number 10"],
		[
			"a node id twice, once quoted",
			'nodes:\n  1: x\n  "1": y\n',
			"line 3: nodes.1: written twice",
		],
		[
			"a key twice three levels in",
			"n:\n  1:\n    raft: a\n    raft: b\n",
			"line 4: n.1.raft: written twice",
		],
		["a key twice with Windows line ends", "a: 1\r\na: 2\r\n", "line 2: a: written twice"],
		["null spelled ~", "~: x\n", "line 1: ~: the key ~ reads as null"],
		["a key twice, once with an escape", '"\\x41": 1\nA: 2\n', "line 2: A: written twice"],
	])("%s is named", (_name, text, message) => {
		expect(problem(text)).toStartWith(message);
	});
});

describe("YAML keys in flow collections", () => {
	test.each([
		["one mapping", "{a: 1, b: 2}\n"],
		["the same key in nested mappings", "{a: {a: 1}}\n"],
		["the same key in sibling mappings", "[{a: 1}, {a: 2}]\n"],
		["one-pair mappings in a sequence", "[a: 1, a: 2]\n"],
		["URLs with : and # in them", "h: {a.test: http://x:1/p#f, b.test: 'http://y:2/#g'}\n"],
		["a comma inside quotes", "{a: \"x, y\", b: 'p, q', c: it's}\n"],
		["a colon inside a quoted key", '{"a:b": 1, a: 2}\n'],
		["a plain key with a colon in it", "{a:1, a:2}\n"],
		["a key-like comment", "a: {b: 1} # {b: 1, b: 2}\n"],
		["a comment inside", "a: {b: 1, # b: 2\n  c: 3}\n"],
		["keys in a quoted value", 'a: {b: "c: 1, c: 2", c: 3}\n'],
		[
			"a mapping over several lines",
			"hosts: {\n  a.test: {origin: x},\n  b.test: {origin: x}\n}\n",
		],
		["the sample cluster file", "nodes:\n  1: { raft: 127.0.0.1:2381, api: 127.0.0.1:2380 }\n"],
		["JSON", '{"a": [1, {"b": 2}], "b": {"a": null}}\n'],
		["keys differing in case", "{a: 1, A: 2}\n"],
	])("%s pass", (_name, text) => {
		expect(problem(text)).toBeUndefined();
	});

	test.each([
		[
			"a key twice on one line",
			"{a: 1, a: 2}\n",
			"line 1: a: written twice in one mapping (twice on line 1)",
		],
		[
			"a host twice",
			'hosts: {a.test: {origin: "http://x"}, a.test: {origin: "http://y"}}\n',
			"line 1: hosts.a.test: written twice",
		],
		[
			"a host twice over several lines, once quoted",
			'hosts: {\n  a.test: {origin: x},\n  "a.test": {origin: y}\n}\n',
			"line 3: hosts.a.test: written twice in one mapping (lines 2 and 3)",
		],
		["a key twice inside a sequence", "[{a: 1, a: 2}]\n", "line 1: a: written twice"],
		["a key twice deep inside", "n:\n  - {x: [{k: 1, 'k': 2}]}\n", "line 2: n.x.k: written twice"],
		[
			"a node's field twice",
			"nodes:\n  1: { raft: a:1, api: a:2, raft: a:3 }\n",
			"line 2: nodes.1.raft: written twice",
		],
		[
			"a flow mapping on the line after its key",
			"a:\n  {b: 1,\n   b: 2}\n",
			"line 3: a.b: written twice",
		],
		["a key twice past a comment", "{a: 1 # c\n, a: 2}\n", "line 2: a: written twice"],
		["a key twice under an anchor", "a: &x {b: 1, b: 2}\n", "line 1: a.b: written twice"],
		["a key twice, once with an escape", '{"\\x41": 1, A: 2}\n', "line 1: A: written twice"],
		[
			"a number spelled otherwise",
			"h: {010: x}\n",
			"line 1: h.010: the key 010 reads as the number 10",
		],
		["null spelled ~", "[~: x]\n", "line 1: ~: the key ~ reads as null"],
		["a block key twice after a flow", "a: [1,\n  2]\nb: 1\nb: 2\n", "line 4: b: written twice"],
	])("%s is named", (_name, text, message) => {
		expect(problem(text)).toStartWith(message);
	});

	// Keys it cannot name with confidence: left to the parser rather than guessed at.
	test.each([
		["an explicit key", "{? a : 1, a: 2}\n"],
		["a key with an anchor", "{&x a: 1, a: 2}\n"],
		["a key over two lines", "{a\n b: 1, a b: 2}\n"],
	])("%s is passed over", (_name, text) => {
		expect(problem(text)).toBeUndefined();
	});
});

describe("YAML the checker once refused or stumbled on", () => {
	test.each([
		["a block scalar on the document marker's line", "--- |\n  a: 1\n  a: 2\n"],
		["a folded scalar with an indicator there", "--- >1\n  a: 1\n  a: 2\n"],
		["a block scalar there at column 0", "--- |\na: 1\na: 2\n"],
		["a quoted scalar there over several lines", '--- "x\n  a: 1\n  a: 2"\n'],
		["a key spelled like a document end", "x:\n  ...: 1\n"],
		["a flow key spelled like a document end", "{...: 1}\n"],
		["a key spelled like a document start", "x:\n  ---: 1\n"],
		["a key ending in a colon", "a:: 1\n"],
		["a flow key ending in a colon", "{b:: 1}\n"],
	])("%s passes", (_name, text) => {
		expect(Bun.YAML.parse(text)).toBeDefined();
		expect(problem(text)).toBeUndefined();
	});

	test("a key the parser alone cannot read is left to the parser, not thrown", () => {
		const text = "x:\n  ... x: 1\n";
		expect(Bun.YAML.parse(text)).toEqual({ x: { "... x": 1 } });
		expect(problem(text)).toBeUndefined();
	});

	test.each([
		[
			"a flow mapping on the document marker's line",
			"--- {a: 1, a: 2}\n",
			"line 1: a: written twice",
		],
		["a byte-order mark", "\uFEFFa: 1\na: 2\n", "line 2: a: written twice"],
		["old Mac line ends", "a: 1\rb: 2\ra: 3\r", "line 3: a: written twice"],
	])("%s is named", (_name, text, message) => {
		expect(problem(text)).toStartWith(message);
	});
});

describe("hostile input", () => {
	// Each must return; the figures are printed only to see growth, not asserted against.
	const big = 200_000;
	test.each([
		["spaces inside a plain key-like line", `a${" ".repeat(big)}b\n`],
		["tabs inside a plain key-like line", `- a${"\t".repeat(big)}b\n`],
		["spaces inside a flow plain scalar", `[a${" ".repeat(big)}b]\n`],
		["spaces before a comment", `a:${" ".repeat(big)}#\n`],
		["brackets that never close", "{[".repeat(big / 2)],
		["quotes that never close", `a: "${"x\n".repeat(big / 2)}`],
		["single quotes over many lines", "- 'x\n".repeat(big / 5)],
		["a long quoted key", `"${"\\\\".repeat(big / 2)}": 1\n`],
		["many keys", Array.from({ length: big / 10 }, (_, i) => `k${i}: v`).join("\n")],
	])("%s returns", (_name, text) => {
		const started = performance.now();
		problem(text);
		const took = performance.now() - started;
		// A generous guard only: quadratic work on these inputs takes minutes.
		expect(took).toBeLessThan(10_000);
	});
});
