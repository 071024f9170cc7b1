/**
 * Finds a key given twice in one mapping of block-style YAML. Bun's YAML parser keeps the
 * last of two equal keys without a word, so a cluster file listing node 1 twice would run
 * with the second entry's addresses and lose the first: the file must be refused instead.
 * This walks the text the way block YAML nests, by indentation; flow mappings (`{...}`)
 * are read as the parser reads them, and a duplicate inside one is not seen.
 */

/** The first repeated key: its dotted path and the line (1-based) of its second mention. */
export interface DuplicateKey {
	readonly path: string;
	readonly line: number;
}

interface Mapping {
	readonly indent: number;
	readonly path: readonly string[];
	readonly keys: Set<string>;
	/** The last key seen, which a deeper mapping belongs to. */
	last: string | undefined;
}

const QUOTED = /^(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)')\s*:(?:\s|$)/;
const PLAIN = /^([^\s#'"{}[\],&*!|>%@`-][^:#]*?|-[^\s:#][^:#]*?)\s*:(?:\s|$)/;

/** The key a mapping line starts with, as the parser names it (so `1` and `"1"` agree). */
function keyOf(body: string): string | undefined {
	const quoted = QUOTED.exec(body);
	if (quoted !== null) return quoted[1] ?? quoted[2]?.replaceAll("''", "'");
	const plain = PLAIN.exec(body)?.[1];
	if (plain === undefined) return undefined;
	// A plain decimal key is a number to the parser: 1 and 01 are one key.
	return /^\d+$/.test(plain) ? String(Number(plain)) : plain;
}

/** A value that starts a block scalar: the lines deeper than its key are text, not keys. */
function startsBlockScalar(body: string): boolean {
	return /:\s+[|>][-+0-9]*\s*(#.*)?$/.test(body);
}

export function findDuplicateKey(text: string): DuplicateKey | undefined {
	const lines = text.split(/\r?\n/);
	const stack: Mapping[] = [];
	let scalarAbove: number | undefined;
	for (const [index, raw] of lines.entries()) {
		const trimmed = raw.trim();
		if (trimmed === "" || trimmed.startsWith("#")) continue;
		let indent = raw.length - raw.trimStart().length;
		if (scalarAbove !== undefined) {
			if (indent > scalarAbove) continue;
			scalarAbove = undefined;
		}
		if (trimmed === "---" || trimmed === "...") {
			stack.length = 0;
			continue;
		}
		let body = trimmed;
		// "- key: value" opens a new mapping inside a list item, at the key's column.
		let listItem = false;
		while (body.startsWith("- ")) {
			const rest = body.slice(2).trimStart();
			indent += body.length - rest.length;
			body = rest;
			listItem = true;
		}
		const key = keyOf(body);
		if (key === undefined) continue;
		// Close the mappings this line is outside of; a new list item closes its sibling's too.
		for (let top = stack.at(-1); top !== undefined; top = stack.at(-1)) {
			if (top.indent < indent || (top.indent === indent && !listItem)) break;
			stack.pop();
		}
		let mapping = stack.at(-1);
		if (mapping === undefined || mapping.indent !== indent) {
			const parent = stack.at(-1);
			const path = parent?.last === undefined ? [] : [...parent.path, parent.last];
			mapping = { indent, path, keys: new Set(), last: undefined };
			stack.push(mapping);
		}
		if (mapping.keys.has(key)) return { path: [...mapping.path, key].join("."), line: index + 1 };
		mapping.keys.add(key);
		mapping.last = key;
		if (startsBlockScalar(body)) scalarAbove = indent;
	}
	return undefined;
}
