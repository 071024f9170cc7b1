/**
 * What a YAML parser loses without a word, found in the text: a key written twice in one
 * mapping (Bun.YAML keeps the last, so the operator's first entry vanishes), and a plain
 * key the parser reads as something other than what it spells (`1.10:` is the number 1.1,
 * `~:` is null, `0x10:` is 16): a host entry under such a key names another host.
 *
 * Bun's parser gives neither positions nor a duplicate-key option, so this walks the text
 * as block YAML nests, by indentation. It reads keys written in block style, quoted or
 * plain, in mappings and in sequence items; what it does not model (flow collections over
 * several lines or `{a: 1}` inline, explicit `?` keys, keys carrying anchors or tags) it
 * skips rather than guesses at. Runtime-free: the caller says how a plain scalar resolves.
 */

/** How the YAML parser reads a plain scalar (the runtime's own parser, at the boundary). */
export type PlainResolver = (spelled: string) => unknown;

interface OpenMapping {
	readonly indent: number;
	/** The key this mapping is the value of ("" at the top). */
	readonly under: string;
	/** Key -> line it was first written on. */
	readonly keys: Map<string, number>;
	lastKey: string;
}

const PLAIN_KEY = /^([^\s#'"{}[\],&*!|>%@`?-][^#]*?|-\S[^#]*?)[ \t]*:(?:[ \t]|$)/;
const QUOTED_KEY = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')[ \t]*:(?:[ \t]|$)/;

/** The first key problem in `text` ("line N: ..."), or undefined. */
export function yamlKeyProblem(text: string, resolvePlain: PlainResolver): string | undefined {
	const lines = text.split(/\r?\n/);
	const open: OpenMapping[] = [];
	/** Lines indented deeper than this belong to a block scalar. */
	let blockScalarAbove: number | undefined;
	/** Unclosed flow brackets carried over from earlier lines: skipped until they close. */
	let flowDepth = 0;
	for (let i = 0; i < lines.length; i++) {
		const line = lines[i] as string;
		const trimmed = line.trim();
		let col = line.length - line.trimStart().length;
		if (blockScalarAbove !== undefined) {
			if (trimmed === "" || col > blockScalarAbove) continue;
			blockScalarAbove = undefined;
		}
		if (flowDepth > 0) {
			flowDepth += flowBalance(line);
			continue;
		}
		if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith("%")) continue;
		if (/^(---|\.\.\.)(\s|$)/.test(line)) {
			open.length = 0;
			continue;
		}
		let rest = line.slice(col);
		// A sequence item: what follows its "- " starts a new node, one column further in.
		while (/^-(\s|$)/.test(rest)) {
			while (open.length > 0 && (open.at(-1) as OpenMapping).indent > col) open.pop();
			const after = rest.slice(1);
			const gap = after.length - after.trimStart().length;
			col += 1 + gap;
			rest = after.trimStart();
		}
		while (open.length > 0 && (open.at(-1) as OpenMapping).indent > col) open.pop();
		const quoted = QUOTED_KEY.exec(rest);
		const plain = quoted === null ? PLAIN_KEY.exec(rest) : null;
		const match = quoted ?? plain;
		if (match === null) {
			flowDepth = Math.max(0, flowBalance(rest));
			continue;
		}
		const spelled = match[1] as string;
		const key = quoted !== null ? unquote(spelled) : spelled;
		let mapping = open.at(-1);
		if (mapping === undefined || mapping.indent < col) {
			mapping = { indent: col, under: mapping?.lastKey ?? "", keys: new Map(), lastKey: "" };
			open.push(mapping);
		}
		const path = [...open.slice(0, -1).map((m) => m.lastKey), key]
			.filter((k) => k !== "")
			.join(".");
		if (plain !== null) {
			const read = resolvePlain(spelled);
			// 127.1 is a number, but one whose key is the text written: only a changed
			// spelling is lost.
			if (typeof read !== "string" && String(read) !== spelled)
				return `line ${i + 1}: ${path}: the key ${spelled} reads as ${describe(read)}, not as the text written; quote it ("${spelled}")`;
		}
		const first = mapping.keys.get(key);
		if (first !== undefined)
			return `line ${i + 1}: ${path}: written twice in one mapping (lines ${first} and ${i + 1}); the parser would keep only the last`;
		mapping.keys.set(key, i + 1);
		mapping.lastKey = key;
		const value = rest.slice(match[0].length).trim();
		if (/^[|>]/.test(value)) blockScalarAbove = col;
		else flowDepth = Math.max(0, flowBalance(value));
	}
	return undefined;
}

/** Flow brackets a line opens minus those it closes, outside quotes and comments. */
function flowBalance(text: string): number {
	let depth = 0;
	let quote: string | undefined;
	for (let i = 0; i < text.length; i++) {
		const c = text[i] as string;
		if (quote !== undefined) {
			if (c === "\\" && quote === '"') i++;
			else if (c === quote) quote = undefined;
		} else if ((c === '"' || c === "'") && (i === 0 || /[\s,[{:]/.test(text[i - 1] as string)))
			quote = c;
		else if (c === "#" && (i === 0 || /\s/.test(text[i - 1] as string))) break;
		else if (c === "{" || c === "[") depth++;
		else if (c === "}" || c === "]") depth--;
	}
	return depth;
}

function unquote(spelled: string): string {
	if (spelled.startsWith("'")) return spelled.slice(1, -1).replaceAll("''", "'");
	try {
		return JSON.parse(spelled) as string;
	} catch {
		return spelled.slice(1, -1);
	}
}

function describe(value: unknown): string {
	if (value === null) return "null";
	return typeof value === "number" || typeof value === "boolean"
		? `the ${typeof value} ${String(value)}`
		: `a ${typeof value}`;
}
