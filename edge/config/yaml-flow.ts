/**
 * Keys lost inside a YAML flow collection: `{a: 1, a: 2}` on one line or over several, at
 * any depth, in `[...]` too. Bun.YAML keeps the last there as it does in block style, so
 * `hosts: {a.test: ..., a.test: ...}` would route a.test to the second origin alone.
 *
 * A small reader of the flow grammar over the text: quoted scalars with their escapes,
 * plain ones (a `:` or `#` inside a URL stays in it), comments, nested `{}` and `[]`.
 * What it does not model (explicit `?` keys, keys that are collections, aliases or carry
 * anchors or tags, a key over two lines, nesting past MAX_DEPTH) makes it give up on the
 * whole collection: it never refuses what it cannot read.
 */
import {
	keyPath,
	misreadProblem,
	type PlainResolver,
	quotedEnd,
	twiceProblem,
	unquote,
} from "./yaml-scalars.ts";

/** Line number (from 1) of an offset into the text. */
export type LineOf = (offset: number) => number;

/**
 * Where the flow collection opening at `start` ends (just past its closing bracket), by
 * brackets outside quotes and comments; the text's end when it never closes. The reader
 * below must end at the same place, or it is not trusted.
 */
export function flowEnd(text: string, start: number): number {
	let depth = 0;
	for (let i = start; i < text.length; i++) {
		const c = text[i] as string;
		if ((c === '"' || c === "'") && /[\s,[{:]/.test(text[i - 1] ?? " ")) {
			i = (quotedEnd(text, i) ?? text.length) - 1;
		} else if (c === "#" && isSpace(text[i - 1] ?? " ")) {
			const lineEnd = text.indexOf("\n", i);
			i = lineEnd < 0 ? text.length : lineEnd;
		} else if (c === "{" || c === "[") depth++;
		else if (c === "}" || c === "]") {
			depth--;
			if (depth === 0) return i + 1;
		}
	}
	return text.length;
}

/**
 * The first key problem ("line N: ...") in the flow collection from `start` to `end`,
 * whose keys sit under `under`; undefined when there is none or it is not read with
 * confidence.
 */
export function flowKeyProblem(
	text: string,
	start: number,
	end: number,
	under: string,
	resolvePlain: PlainResolver,
	lineOf: LineOf,
): string | undefined {
	const reader = new FlowReader(text, start, resolvePlain, lineOf);
	try {
		reader.node(under, 0);
	} catch (error) {
		if (error instanceof Unmodelled) return undefined;
		throw error;
	}
	return reader.pos === end ? reader.problem : undefined;
}

/** Thrown where the text holds what the reader does not model. */
class Unmodelled extends Error {}

/** Deeper nesting than any config file has; the reader recurses, so it stops here. */
const MAX_DEPTH = 64;

const FLOW_INDICATORS = ",[]{}";

function isSpace(c: string | undefined): boolean {
	return c === " " || c === "\t" || c === "\n";
}

/** `:` (or `-`, `?`) followed by this ends a plain scalar or marks an indicator. */
function endsPlain(c: string | undefined): boolean {
	return c === undefined || isSpace(c) || FLOW_INDICATORS.includes(c);
}

interface Scalar {
	/** The text the key stands for; undefined for a quoted one not read with confidence. */
	readonly key: string | undefined;
	readonly spelled: string;
	readonly plain: boolean;
	readonly offset: number;
}

class FlowReader {
	/** The first problem met; reading goes on, so a later construct it cannot read voids it. */
	problem: string | undefined;

	constructor(
		private readonly text: string,
		public pos: number,
		private readonly resolvePlain: PlainResolver,
		private readonly lineOf: LineOf,
	) {}

	/**
	 * A node: a collection, a scalar, an alias, or nothing (a value left empty). The scalar,
	 * when it is one without anchor or tag (a sequence entry followed by `:` is a key).
	 */
	node(under: string, depth: number): Scalar | undefined {
		if (depth > MAX_DEPTH) throw new Unmodelled();
		this.space();
		let properties = false;
		while (this.peek() === "&" || this.peek() === "!") {
			this.skipToken();
			properties = true;
			this.space();
		}
		const c = this.peek();
		if (c === "{") this.mapping(under, depth + 1);
		else if (c === "[") this.sequence(under, depth + 1);
		else if (c === "*") this.skipToken();
		else if (c !== undefined && !FLOW_INDICATORS.includes(c)) {
			const scalar = this.scalar();
			return properties ? undefined : scalar;
		}
		return undefined;
	}

	private mapping(under: string, depth: number): void {
		this.pos++;
		const keys = new Map<string, number>();
		for (;;) {
			this.space();
			if (this.peek() === "}") {
				this.pos++;
				return;
			}
			const key = this.key(this.node(under, depth));
			const path = keyPath(under, key.key);
			this.check(key, path, keys);
			this.space();
			if (this.peek() === ":") {
				this.pos++;
				this.node(path, depth);
				this.space();
			}
			this.separator("}");
		}
	}

	private sequence(under: string, depth: number): void {
		this.pos++;
		for (;;) {
			this.space();
			if (this.peek() === "]") {
				this.pos++;
				return;
			}
			const entry = this.node(under, depth);
			this.space();
			// `[a: 1]` is a mapping of one pair: its key cannot be twice, but may be misread.
			if (this.peek() === ":") {
				const key = this.key(entry);
				const path = keyPath(under, key.key);
				this.check(key, path, new Map());
				this.pos++;
				this.node(path, depth);
				this.space();
			}
			this.separator("]");
		}
	}

	/** A node read where a key stands, if it is one this reader can name. */
	private key(node: Scalar | undefined): Scalar & { readonly key: string } {
		if (node?.key === undefined || node.spelled.includes("\n")) throw new Unmodelled();
		return node as Scalar & { readonly key: string };
	}

	private check(key: Scalar & { readonly key: string }, path: string, keys: Map<string, number>) {
		const line = this.lineOf(key.offset);
		if (key.plain) this.note(misreadProblem(path, key.spelled, line, this.resolvePlain));
		const first = keys.get(key.key);
		if (first === undefined) keys.set(key.key, line);
		else this.note(twiceProblem(path, first, line));
	}

	private note(problem: string | undefined): void {
		this.problem ??= problem;
	}

	private scalar(): Scalar {
		const offset = this.pos;
		const c = this.peek();
		if (c === '"' || c === "'") {
			const end = quotedEnd(this.text, offset);
			if (end === undefined) throw new Unmodelled();
			this.pos = end;
			const spelled = this.text.slice(offset, end);
			return { key: unquote(spelled), spelled, plain: false, offset };
		}
		const next = this.text[offset + 1];
		// An indicator, or `-`, `?`, `:` alone (a block entry, an explicit key or value).
		if (/[#&*!|>%@`]/.test(c ?? "") || ("-?:".includes(c ?? "") && endsPlain(next)))
			throw new Unmodelled();
		const spelled = this.plain();
		return { key: spelled, spelled, plain: true, offset };
	}

	/**
	 * A plain scalar in flow context: it runs to `,` `[` `]` `{` `}`, to a `:` that a space
	 * or one of those follows, or to a comment; spaces and line breaks inside are its own.
	 */
	private plain(): string {
		const start = this.pos;
		let end = start;
		for (;;) {
			const c = this.text[this.pos];
			if (c === undefined || FLOW_INDICATORS.includes(c)) break;
			if (c === ":" && endsPlain(this.text[this.pos + 1])) break;
			if (isSpace(c)) {
				let after = this.pos;
				while (isSpace(this.text[after])) after++;
				const d = this.text[after];
				if (
					d === undefined ||
					d === "#" ||
					FLOW_INDICATORS.includes(d) ||
					(d === ":" && endsPlain(this.text[after + 1]))
				)
					break;
				this.pos = after;
				continue;
			}
			this.pos++;
			end = this.pos;
		}
		this.pos = end;
		return this.text.slice(start, end);
	}

	/** Spaces, line breaks and comments (`#` at a line's start or after a space). */
	private space(): void {
		for (;;) {
			const c = this.peek();
			if (isSpace(c)) this.pos++;
			else if (c === "#" && isSpace(this.text[this.pos - 1] ?? " ")) {
				const lineEnd = this.text.indexOf("\n", this.pos);
				this.pos = lineEnd < 0 ? this.text.length : lineEnd;
			} else return;
		}
	}

	/** An anchor, tag or alias: up to a space or a flow indicator. */
	private skipToken(): void {
		this.pos++;
		while (!endsPlain(this.peek())) this.pos++;
	}

	/** After an entry: a comma, or the collection's close (left for the loop to take). */
	private separator(close: string): void {
		const c = this.peek();
		if (c === ",") this.pos++;
		else if (c !== close) throw new Unmodelled();
	}

	private peek(): string | undefined {
		return this.text[this.pos];
	}
}
