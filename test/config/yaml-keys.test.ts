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
	])("%s is named", (_name, text, message) => {
		expect(problem(text)).toStartWith(message);
	});
});
