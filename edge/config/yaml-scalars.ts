/**
 * The pieces of YAML keys that block and flow style share (yaml-keys.ts, yaml-flow.ts): what
 * a quoted key stands for, where a quoted scalar ends, and the two ways a key is lost, said
 * the same way wherever it is written.
 */

/** How the YAML parser reads a plain scalar (the runtime's own parser, at the boundary). */
export type PlainResolver = (spelled: string) => unknown;

/** A document marker (`---` starts a document, `...` ends one) at the start of a line. */
export const DOCUMENT_MARKER = /^(---|\.\.\.)(\s|$)/;

/** `a.b` for a key under `a`; the top level has no name. */
export function keyPath(under: string, key: string): string {
	return under === "" ? key : `${under}.${key}`;
}

/** The message for a key met again in one mapping (first on line `first`, again on `line`). */
export function twiceProblem(path: string, first: number, line: number): string {
	const where = first === line ? `twice on line ${line}` : `lines ${first} and ${line}`;
	return `line ${line}: ${path}: written twice in one mapping (${where}); the parser would keep only the last`;
}

/**
 * The message for a plain key the parser reads as something other than its text (`010` is
 * the number 10, `~` is null), or undefined. 127.1 is a number, but one whose key is the
 * text written: only a changed spelling is lost.
 *
 * The spelling is resolved on its own, as a whole document, where some keys mean what they
 * cannot as a key: `...` and `---` are document markers (null, or no document at all), `a:`
 * is a mapping. As keys those are their text, so only a scalar that a marker does not spell
 * is taken as a misreading, and a spelling the parser refuses alone is left to the parse of
 * the whole file.
 */
export function misreadProblem(
	path: string,
	spelled: string,
	line: number,
	resolvePlain: PlainResolver,
): string | undefined {
	if (DOCUMENT_MARKER.test(spelled)) return undefined;
	let read: unknown;
	try {
		read = resolvePlain(spelled);
	} catch {
		return undefined;
	}
	if (typeof read === "object" && read !== null) return undefined;
	if (typeof read === "string" || String(read) === spelled) return undefined;
	return `line ${line}: ${path}: the key ${spelled} reads as ${describe(read)}, not as the text written; quote it ("${spelled}")`;
}

function describe(value: unknown): string {
	if (value === null) return "null";
	return typeof value === "number" || typeof value === "boolean"
		? `the ${typeof value} ${String(value)}`
		: `a ${typeof value}`;
}

/** YAML's double-quoted escapes with one-letter names (`\x`, `\u`, `\U` take hex digits). */
const ESCAPES: Record<string, string> = {
	"0": "\0",
	a: "\x07",
	b: "\b",
	t: "\t",
	"\t": "\t",
	n: "\n",
	v: "\v",
	f: "\f",
	r: "\r",
	e: "\x1b",
	" ": " ",
	'"': '"',
	"/": "/",
	"\\": "\\",
	N: "\u0085",
	_: "\u00a0",
	L: "\u2028",
	P: "\u2029",
};
const HEX_DIGITS: Record<string, number> = { x: 2, u: 4, U: 8 };

/**
 * The text a one-line quoted scalar stands for ('it''s' is it's, "\x41" is A), or undefined
 * for one this does not read with confidence (a line break inside, an escape YAML lacks).
 */
export function unquote(spelled: string): string | undefined {
	if (spelled.includes("\n") || spelled.length < 2) return undefined;
	const inner = spelled.slice(1, -1);
	if (spelled.startsWith("'")) return inner.replaceAll("''", "'");
	let out = "";
	for (let i = 0; i < inner.length; i++) {
		const c = inner[i] as string;
		if (c !== "\\") {
			out += c;
			continue;
		}
		const name = inner[i + 1] ?? "";
		const digits = HEX_DIGITS[name];
		if (digits !== undefined) {
			const hex = inner.slice(i + 2, i + 2 + digits);
			if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(hex)) return undefined;
			const code = Number.parseInt(hex, 16);
			if (code > 0x10ffff) return undefined;
			out += String.fromCodePoint(code);
			i += 1 + digits;
		} else if (ESCAPES[name] !== undefined) {
			out += ESCAPES[name];
			i++;
		} else return undefined;
	}
	return out;
}

/**
 * Where the quoted scalar opening at `start` ends (just past its closing quote), over as
 * many lines as it runs; undefined when it never closes.
 */
export function quotedEnd(text: string, start: number): number | undefined {
	const quote = text[start];
	for (let i = start + 1; i < text.length; i++) {
		const c = text[i];
		if (quote === '"' && c === "\\") i++;
		else if (c === quote) {
			// '' inside single quotes is one quote, not the end.
			if (quote === "'" && text[i + 1] === "'") i++;
			else return i + 1;
		}
	}
	return undefined;
}
