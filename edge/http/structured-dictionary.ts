/**
 * A Structured Field Dictionary parser (RFC 8941 §4.2.2), only as far as targeted cache
 * control fields need it (RFC 9213 §2.1). Returns undefined on any parse error, because the
 * whole field must then be ignored. Parameters are parsed (to validate them) and dropped:
 * RFC 9213 §2.1 says parameters on cache directives are ignored.
 */

export type BareItem =
	| { readonly type: "integer" | "decimal"; readonly value: number; readonly text: string }
	| { readonly type: "string" | "token"; readonly value: string }
	| { readonly type: "boolean"; readonly value: boolean }
	| { readonly type: "byte-sequence" | "inner-list" };

/** Members in order of first appearance; a repeated key overwrites the value (RFC 8941 §4.2.2). */
export type Dictionary = Map<string, BareItem>;

class ParseError extends Error {}

const KEY_FIRST = /^[a-z*]$/;
const KEY_REST = /^[a-z0-9_\-.*]$/;
const TOKEN_FIRST = /^[A-Za-z*]$/;
const TOKEN_REST = /^[!#$%&'*+\-.^_`|~0-9A-Za-z:/]$/;
const BASE64 = /^[A-Za-z0-9+/=]$/;

export function parseDictionary(fieldValue: string): Dictionary | undefined {
	try {
		return new Parser(fieldValue).dictionary();
	} catch (error) {
		if (error instanceof ParseError) return undefined;
		throw error;
	}
}

class Parser {
	private position = 0;

	constructor(private readonly input: string) {}

	dictionary(): Dictionary {
		const members: Dictionary = new Map();
		this.skip(" ");
		while (!this.atEnd()) {
			const key = this.key();
			let item: BareItem = { type: "boolean", value: true };
			if (this.peek() === "=") {
				this.position += 1;
				item = this.itemOrInnerList();
			} else {
				this.parameters();
			}
			members.set(key, item);
			this.skipOws();
			if (this.atEnd()) break;
			this.expect(",");
			this.skipOws();
			if (this.atEnd()) throw new ParseError("trailing comma");
		}
		return members;
	}

	private itemOrInnerList(): BareItem {
		if (this.peek() === "(") {
			this.innerList();
			return { type: "inner-list" };
		}
		const item = this.bareItem();
		this.parameters();
		return item;
	}

	private innerList(): void {
		this.expect("(");
		for (;;) {
			this.skip(" ");
			if (this.peek() === ")") {
				this.position += 1;
				this.parameters();
				return;
			}
			this.bareItem();
			this.parameters();
			const next = this.peek();
			if (next !== " " && next !== ")") throw new ParseError("inner list");
		}
	}

	private parameters(): void {
		while (this.peek() === ";") {
			this.position += 1;
			this.skip(" ");
			this.key();
			if (this.peek() === "=") {
				this.position += 1;
				this.bareItem();
			}
		}
	}

	private key(): string {
		const start = this.position;
		if (!KEY_FIRST.test(this.peek())) throw new ParseError("key");
		this.position += 1;
		while (KEY_REST.test(this.peek())) this.position += 1;
		return this.input.slice(start, this.position);
	}

	private bareItem(): BareItem {
		const char = this.peek();
		if (char === "-" || (char >= "0" && char <= "9")) return this.number();
		if (char === '"') return { type: "string", value: this.string() };
		if (TOKEN_FIRST.test(char)) return { type: "token", value: this.token() };
		if (char === ":") {
			this.byteSequence();
			return { type: "byte-sequence" };
		}
		if (char === "?") return { type: "boolean", value: this.boolean() };
		throw new ParseError("bare item");
	}

	/** RFC 8941 §4.2.4: at most 15 integer digits, or 12 integer and 1–3 fraction digits. */
	private number(): BareItem {
		const start = this.position;
		if (this.peek() === "-") this.position += 1;
		const digitsStart = this.position;
		let dot = -1;
		for (;;) {
			const char = this.peek();
			if (char >= "0" && char <= "9") this.position += 1;
			else if (char === "." && dot === -1) {
				dot = this.position;
				this.position += 1;
			} else break;
		}
		const text = this.input.slice(start, this.position);
		if (dot === -1) {
			const digits = this.position - digitsStart;
			if (digits < 1 || digits > 15) throw new ParseError("integer");
			return { type: "integer", value: Number(text), text };
		}
		const integerDigits = dot - digitsStart;
		const fractionDigits = this.position - dot - 1;
		if (integerDigits < 1 || integerDigits > 12 || fractionDigits < 1 || fractionDigits > 3) {
			throw new ParseError("decimal");
		}
		return { type: "decimal", value: Number(text), text };
	}

	private string(): string {
		this.expect('"');
		let out = "";
		for (;;) {
			if (this.atEnd()) throw new ParseError("unterminated string");
			const char = this.peek();
			this.position += 1;
			if (char === '"') return out;
			if (char === "\\") {
				const escaped = this.peek();
				if (escaped !== '"' && escaped !== "\\") throw new ParseError("escape");
				this.position += 1;
				out += escaped;
				continue;
			}
			const code = char.charCodeAt(0);
			if (code < 0x20 || code > 0x7e) throw new ParseError("string character");
			out += char;
		}
	}

	private token(): string {
		const start = this.position;
		this.position += 1;
		while (TOKEN_REST.test(this.peek())) this.position += 1;
		return this.input.slice(start, this.position);
	}

	private byteSequence(): void {
		this.expect(":");
		while (BASE64.test(this.peek())) this.position += 1;
		this.expect(":");
	}

	private boolean(): boolean {
		this.expect("?");
		const char = this.peek();
		this.position += 1;
		if (char === "1") return true;
		if (char === "0") return false;
		throw new ParseError("boolean");
	}

	private peek(): string {
		return this.input[this.position] ?? "";
	}

	private atEnd(): boolean {
		return this.position >= this.input.length;
	}

	private expect(char: string): void {
		if (this.peek() !== char) throw new ParseError(`expected ${char}`);
		this.position += 1;
	}

	private skip(char: string): void {
		while (this.peek() === char) this.position += 1;
	}

	private skipOws(): void {
		while (this.peek() === " " || this.peek() === "\t") this.position += 1;
	}
}
