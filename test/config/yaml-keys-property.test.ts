/**
 * The key checker against Bun.YAML as the oracle, over generated documents mixing block and
 * flow style, every quoting style, comments, block scalars, anchors, tags, markers, CRLF and
 * a BOM: valid YAML the generator wrote without a repeated key must pass, and a key it wrote
 * twice in one mapping must be named on the line of its second spelling.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { yamlKeyProblem } from "../../edge/config/yaml-keys.ts";

const problem = (text: string) => yamlKeyProblem(text, (plain) => Bun.YAML.parse(plain));

/** Marks where the repeated key's second spelling goes; removed before parsing. */
const MARK = "\u0000";

/** Logical keys; each has several spellings. */
const KEYS = ["a", "b", "a.test", "http://x:1", "k-1", "x y", "a:b", "c#d", "it's", 'q"q', "1.5"];
const KEYS_TOO = ["A", "-x", "null", "", "[x]", "~", "010", "a,b", "é"];

type Scalar = { kind: "scalar"; text: string; style: number; props: number };
type Mapping = { kind: "map"; flow: boolean; entries: [string, number, Node][]; dup: number };
type Sequence = { kind: "seq"; flow: boolean; items: Node[] };
type Node = Scalar | Mapping | Sequence;

const VALUES = [
	"1",
	"x y",
	"http://h:1/p#f",
	"a:b",
	"-1",
	"it's",
	"~",
	"010",
	"a: 1\na: 2",
	"{a: 1, a: 2}",
];

const tree = fc.letrec<{ node: Node }>((tie) => ({
	node: fc.oneof(
		{ depthSize: "small", withCrossShrink: true },
		fc.record({
			kind: fc.constant("scalar" as const),
			text: fc.constantFrom(...VALUES),
			style: fc.nat(7),
			props: fc.nat(5),
		}),
		fc.record({
			kind: fc.constant("map" as const),
			flow: fc.boolean(),
			entries: fc.uniqueArray(
				fc.tuple(fc.constantFrom(...KEYS, ...KEYS_TOO), fc.nat(3), tie("node")),
				{ minLength: 1, maxLength: 4, selector: (entry) => entry[0] },
			),
			dup: fc.nat(40),
		}),
		fc.record({
			kind: fc.constant("seq" as const),
			flow: fc.boolean(),
			items: fc.array(tie("node"), { minLength: 1, maxLength: 3 }),
		}),
	),
}));

/** Whether the checker reads this spelling as a key (plain `c#d` in block style it skips). */
function plainOk(key: string, flow: boolean): boolean {
	if (!/^[a-z0-9./\-:#' é]+$/i.test(key) || /^[-?:#']/.test(key)) return false;
	// 010 plain is the number 10: a key the checker rightly refuses, so it is quoted here.
	if (/: |:$| #/.test(key) || key === "010") return false;
	// Block style: the checker passes over a plain key holding `#`, so it is quoted there.
	return flow || !key.includes("#");
}

function spell(key: string, how: number, flow: boolean): string {
	if (how === 0 && plainOk(key, flow)) return key;
	if (how === 1) return `'${key.replaceAll("'", "''")}'`;
	if (how === 2)
		return `"${[...key].map((c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`).join("")}"`;
	return JSON.stringify(key);
}

class Writer {
	anchors = 0;
	dupWritten = false;
	constructor(readonly wantDup: boolean) {}

	/** A scalar value: `indent` is the column continuation lines must pass. */
	scalar(s: Scalar, indent: number, flow: boolean, blockOk: boolean): string {
		const pad = " ".repeat(indent + 2);
		let prefix = "";
		if (s.props === 1) prefix = `&n${this.anchors++} `;
		if (s.props === 2) prefix = "!!str ";
		if (s.props === 3 && this.anchors > 0) return `*n${this.anchors - 1}`;
		const lines = s.text.split("\n");
		const safePlain =
			!s.text.includes("\n") && !/^[{~]|^010$/.test(s.text) && !(flow && /[,{}]/.test(s.text));
		switch (s.style) {
			case 0:
				if (safePlain) return prefix + s.text;
				return `${prefix}'${s.text.replaceAll("'", "''").replaceAll("\n", `\n\n${pad}`)}'`;
			case 1:
				return `${prefix}"${s.text.replaceAll('"', '\\"').replaceAll("\n", `\n${pad}`)}"`;
			case 2:
			case 3:
				if (blockOk) {
					const header = ["|", ">", "|2", ">-"][s.style === 2 ? s.props % 4 : 0] as string;
					const body = lines.map((l) => `${pad}${l}`).join("\n");
					return `${prefix}${header}\n${body}`;
				}
				return `${prefix}'${s.text.replaceAll("'", "''").replaceAll("\n", `\n\n${pad}`)}'`;
			default:
				return `${prefix}${JSON.stringify(s.text)}`;
		}
	}

	flow(n: Node, indent: number): string {
		const pad = " ".repeat(indent + 2);
		if (n.kind === "scalar") return this.scalar(n, indent, true, false);
		const sep = (i: number) => (i % 2 === 0 ? ", " : ` , # c: {a: 1, a: 2}\n${pad}`);
		if (n.kind === "seq")
			return `[${n.items.map((item, i) => (i > 0 ? sep(i) : "") + this.flow(item, indent)).join("")}]`;
		const parts = n.entries.map(
			([key, how, value], i) =>
				`${i > 0 ? sep(i) : ""}${spell(key, how, true)}:${i === 1 ? "\t" : " "}${this.flow(value, indent)}`,
		);
		const again = this.dupOf(n, true);
		if (again !== undefined) parts.push(`, ${MARK}${again}: 1`);
		return `{${parts.join("")}}`;
	}

	/** The repeated key's second spelling, when this mapping is the one to hold it. */
	dupOf(n: Mapping, flow: boolean): string | undefined {
		if (!this.wantDup || this.dupWritten || n.dup % 3 !== 0) return undefined;
		const [key, how] = n.entries[n.dup % n.entries.length] as [string, number, Node];
		this.dupWritten = true;
		return spell(key, (how + 1) % 4, flow);
	}

	/** A node at column `indent`, written after `lead` (a key's `: ` or an item's `- `). */
	block(n: Node, indent: number): string {
		const pad = " ".repeat(indent);
		if (n.kind === "scalar") return ` ${this.scalar(n, indent - 2, false, true)}`;
		if (n.flow) return ` ${this.flow(n, indent - 2)}`;
		if (n.kind === "seq") {
			const items = n.items.map((item) => {
				const written = this.block(item, indent + 2);
				// A block mapping as an item starts on the dash's line: `- a: 1`.
				const inline = written.startsWith(`\n${pad}  `) && item.kind === "map";
				return `${pad}-${inline ? ` ${written.slice(indent + 3)}` : written}`;
			});
			return `\n${items.join("\n")}`;
		}
		const lines = n.entries.map(([key, how, value], i) => {
			const spelled = spell(key, how, false);
			const comment = i === 1 ? `${pad}# ${spelled}: again\n` : "";
			return `${comment}${pad}${spelled}:${this.block(value, indent + 2)}`;
		});
		const again = this.dupOf(n, false);
		if (again !== undefined) lines.push(`${pad}${MARK}${again}: 1`);
		return `\n${lines.join("\n")}`;
	}
}

const documents = fc.record({
	top: fc.array(
		fc.record({
			flow: fc.boolean(),
			entries: fc.uniqueArray(fc.tuple(fc.constantFrom(...KEYS), fc.nat(3), tree.node), {
				minLength: 1,
				maxLength: 4,
				selector: (entry) => entry[0],
			}),
			dup: fc.nat(40),
		}),
		{ minLength: 1, maxLength: 2 },
	),
	wantDup: fc.boolean(),
	crlf: fc.boolean(),
	bom: fc.boolean(),
	start: fc.boolean(),
	end: fc.boolean(),
});

function write(doc: typeof documents extends fc.Arbitrary<infer T> ? T : never): {
	text: string;
	dupLine: number | undefined;
} {
	const writer = new Writer(doc.wantDup);
	const bodies = doc.top.map((top) => {
		const mapping: Mapping = { kind: "map", ...top };
		return mapping.flow ? writer.flow(mapping, 0) : writer.block(mapping, 0).slice(1);
	});
	let text = `${doc.start ? "--- # first\n" : ""}${bodies.join("\n---\n")}\n${doc.end ? "...\n" : ""}`;
	let dupLine: number | undefined;
	const at = text.indexOf(MARK);
	if (at >= 0) {
		dupLine = text.slice(0, at).split("\n").length;
		text = text.replace(MARK, "");
	}
	if (doc.crlf) text = text.replaceAll("\n", "\r\n");
	if (doc.bom) text = `\uFEFF${text}`;
	return { text, dupLine };
}

describe("the key checker against the parser", () => {
	test("valid documents pass, and a key written twice is named on its line", () => {
		let parsed = 0;
		fc.assert(
			fc.property(documents, (doc) => {
				const { text, dupLine } = write(doc);
				try {
					Bun.YAML.parse(text);
				} catch {
					return;
				}
				parsed++;
				const found = problem(text);
				if (dupLine === undefined) expect(found).toBeUndefined();
				else expect(found).toStartWith(`line ${dupLine}: `);
			}),
			{ numRuns: 300, seed: 20261122 },
		);
		// The oracle must take most of what is generated, or the property says little.
		expect(parsed).toBeGreaterThan(150);
	});
});
