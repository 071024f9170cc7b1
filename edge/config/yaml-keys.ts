/**
 * What a YAML parser loses without a word, found in the text: a key written twice in one
 * mapping (Bun.YAML keeps the last, so the operator's first entry vanishes), and a plain
 * key the parser reads as something other than what it spells (`1.10:` is the number 1.1,
 * `~:` is null, `0x10:` is 16): a host entry under such a key names another host.
 *
 * Bun's parser gives neither positions nor a duplicate-key option, so this walks the text
 * as block YAML nests, by indentation. It reads keys written in block style, quoted or
 * plain, in mappings and in sequence items; a flow collection (`{a: 1}`, `[{a: 1}]`, on
 * one line or several) it hands to yaml-flow.ts, which reads its keys by the same rules.
 * Scalars that run over several lines (quoted, plain, block `|` `>`) are passed over, so
 * nothing inside one is taken for a key. What it does not model (explicit `?` keys, keys
 * carrying anchors or tags) it skips rather than guesses at. Runtime-free: the caller says
 * how a plain scalar resolves.
 */
import { flowEnd, flowKeyProblem } from "./yaml-flow.ts";
import {
	DOCUMENT_MARKER,
	misreadProblem,
	type PlainResolver,
	quotedEnd,
	twiceProblem,
	unquote,
} from "./yaml-scalars.ts";

export type { PlainResolver } from "./yaml-scalars.ts";

interface OpenMapping {
	readonly indent: number;
	/** Key -> line it was first written on. */
	readonly keys: Map<string, number>;
	lastKey: string;
}

/** What a plain key cannot start with (but `-` may, when a non-space follows it). */
const NOT_PLAIN_START = /[\s#'"{}[\],&*!|>%@`?-]/;
const QUOTED_KEY = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')[ \t]*:(?:[ \t]|$)/;
/** Anchors and tags before a node (`&base {`, `!!map {`). */
const PROPERTIES = /^(?:[&!]\S*(?:[ \t]+|$))*/;

/** The first key problem in `text` ("line N: ..."), or undefined. */
export function yamlKeyProblem(text: string, resolvePlain: PlainResolver): string | undefined {
	// A byte-order mark is no part of the first line; a lone CR ends a line as LF does.
	const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
	// One text with "\n" line ends, for what runs over several lines (flow, quoted scalars).
	const joined = lines.join("\n");
	const starts: number[] = [];
	for (let i = 0, at = 0; i < lines.length; at += (lines[i] as string).length + 1, i++)
		starts.push(at);
	const lineIndex = (offset: number) => {
		let low = 0;
		let high = starts.length - 1;
		while (low < high) {
			const mid = (low + high + 1) >> 1;
			if ((starts[mid] as number) <= offset) low = mid;
			else high = mid - 1;
		}
		return low;
	};
	const open: OpenMapping[] = [];
	/** Lines indented deeper than this continue a scalar (block, or plain over several lines). */
	let scalarAbove: number | undefined;
	/** Lines up to this one belong to a flow collection or quoted scalar begun earlier. */
	let skipThrough = -1;

	/**
	 * What the node at column `col` of line `i` (a key's value, or a node alone on its line)
	 * holds that later lines belong to, and the key problem inside a flow collection there.
	 * `above`: lines indented deeper than this continue a plain or block scalar begun here.
	 */
	const node = (i: number, col: number, under: string, above: number): string | undefined => {
		const text = (lines[i] as string).slice(col);
		const skip = (PROPERTIES.exec(text) as RegExpExecArray)[0].length;
		const start = (starts[i] as number) + col + skip;
		const c = text[skip];
		if (c === undefined || c === "#" || c === "*") return undefined;
		if (c === "|" || c === ">") scalarAbove = above;
		else if (c === "{" || c === "[") {
			const end = flowEnd(joined, start);
			skipThrough = lineIndex(end - 1);
			return flowKeyProblem(joined, start, end, under, resolvePlain, (at) => lineIndex(at) + 1);
		} else if (c === '"' || c === "'")
			skipThrough = lineIndex((quotedEnd(joined, start) ?? joined.length) - 1);
		else scalarAbove = above;
		return undefined;
	};

	for (let i = 0; i < lines.length; i++) {
		if (i <= skipThrough) continue;
		const line = lines[i] as string;
		const trimmed = line.trim();
		let col = line.length - line.trimStart().length;
		// A document marker ends whatever came before it, a scalar included.
		if (DOCUMENT_MARKER.test(line)) {
			open.length = 0;
			scalarAbove = undefined;
			// `--- |`, `--- "...`, `--- {`: the document's node starts on the marker's line.
			const at = line.length - line.slice(3).trimStart().length;
			const problem = line[0] === "-" ? node(i, at, "", -1) : undefined;
			if (problem !== undefined) return problem;
			continue;
		}
		if (scalarAbove !== undefined) {
			if (trimmed === "" || col > scalarAbove) continue;
			scalarAbove = undefined;
		}
		if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith("%")) continue;
		let rest = line.slice(col);
		/** The column of the last "- " on this line: its item's scalar continues deeper. */
		let dash: number | undefined;
		// A sequence item: what follows its "- " starts a new node, one column further in.
		while (/^-(\s|$)/.test(rest)) {
			while (open.length > 0 && (open.at(-1) as OpenMapping).indent > col) open.pop();
			dash = col;
			const after = rest.slice(1);
			const gap = after.length - after.trimStart().length;
			col += 1 + gap;
			rest = after.trimStart();
		}
		while (open.length > 0 && (open.at(-1) as OpenMapping).indent > col) open.pop();
		const quoted = QUOTED_KEY.exec(rest);
		const plain = quoted === null ? plainKey(rest) : null;
		const match = quoted ?? plain;
		if (match === null) {
			// A node with no key. One holding ": " is a key this does not read (`&a k: v`,
			// `? k`, `k#1: v`): left alone rather than taken for a scalar.
			const bare = rest.slice((PROPERTIES.exec(rest) as RegExpExecArray)[0].length);
			const keyLike = /^[?:](\s|$)/.test(bare) || /:(\s|$)/.test(bare.replace(/\s#.*$/, ""));
			if (keyLike && !/^["'[{]/.test(bare)) continue;
			const under = open
				.map((m) => m.lastKey)
				.filter((k) => k !== "")
				.join(".");
			const parent = open.findLast((m) => m.indent < col)?.indent ?? -1;
			const problem = node(i, col, under, dash ?? parent);
			if (problem !== undefined) return problem;
			continue;
		}
		const spelled = match[1] as string;
		const key = quoted !== null ? (unquote(spelled) ?? spelled.slice(1, -1)) : spelled;
		let mapping = open.at(-1);
		if (mapping === undefined || mapping.indent < col) {
			mapping = { indent: col, keys: new Map(), lastKey: "" };
			open.push(mapping);
		}
		const path = [...open.slice(0, -1).map((m) => m.lastKey), key]
			.filter((k) => k !== "")
			.join(".");
		if (plain !== null) {
			const misread = misreadProblem(path, spelled, i + 1, resolvePlain);
			if (misread !== undefined) return misread;
		}
		const first = mapping.keys.get(key);
		if (first !== undefined) return twiceProblem(path, first, i + 1);
		mapping.keys.set(key, i + 1);
		mapping.lastKey = key;
		const value = rest.slice(match[0].length);
		const valueCol = line.length - rest.length + match[0].length;
		const gap = value.length - value.trimStart().length;
		const problem = node(i, valueCol + gap, path, col);
		if (problem !== undefined) return problem;
	}
	return undefined;
}

/**
 * A plain key at the start of `rest`, as `[through ": ", key]`: up to the first `:` that a
 * space, a tab or the line's end follows, with no `#` before it, less the spaces before the
 * `:`; null when there is none. A scan, not a pattern: one that lets a run of spaces belong
 * to the key or to the gap before `:` backtracks over it quadratically (a line of 200 000
 * spaces took half a minute).
 */
function plainKey(rest: string): [string, string] | null {
	const first = rest[0];
	if (first === undefined) return null;
	const second = rest[1];
	const dash = first === "-" && second !== undefined && /\S/.test(second);
	if (!dash && NOT_PLAIN_START.test(first)) return null;
	for (let i = dash ? 2 : 1; i < rest.length; i++) {
		const c = rest[i];
		if (c === "#") return null;
		const next = rest[i + 1];
		if (c === ":" && (next === undefined || next === " " || next === "\t")) {
			let end = i;
			while (rest[end - 1] === " " || rest[end - 1] === "\t") end--;
			return [rest.slice(0, i + (next === undefined ? 1 : 2)), rest.slice(0, end)];
		}
	}
	return null;
}
