/**
 * The syntax layer of Cache-Control (RFC 9111 §5.2):
 *
 *   Cache-Control   = #cache-directive
 *   cache-directive = token [ "=" ( token / quoted-string ) ]
 *
 * with the list rules of RFC 9110 §5.6.1 (empty members are ignored), tokens of §5.6.2,
 * whitespace of §5.6.3 and quoted strings of §5.6.4. Semantics live in cache-control.ts.
 */

/** One directive as written: its name lower-cased (§5.2: names compare case-insensitively). */
export interface RawDirective {
	readonly name: string;
	/**
	 * undefined when the directive has no argument; the unquoted argument otherwise. A member
	 * with trailing garbage (`max-age=5 x`) keeps the whole garbled argument, so that a typed
	 * reader sees an invalid value rather than a silently "corrected" one.
	 */
	readonly value: string | undefined;
}

/** RFC 9110 §5.6.2 tchar. */
const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/;

function isTchar(char: string): boolean {
	return TCHAR.test(char);
}

function isOws(char: string | undefined): boolean {
	return char === " " || char === "\t";
}

/**
 * Split a Cache-Control field value (several field lines already joined with ", ", as
 * Headers.get does, RFC 9110 §5.3) into directives. Never throws: a member whose name is not
 * a token is skipped as a whole, and a quoted-string without its closing quote ends the field
 * after its own directive.
 */
export function parseDirectiveList(fieldValue: string): RawDirective[] {
	const directives: RawDirective[] = [];
	let i = 0;
	const length = fieldValue.length;

	const skipToNextMember = (): void => {
		let inQuotes = false;
		while (i < length) {
			const char = fieldValue[i];
			if (inQuotes && char === "\\") i += 1;
			else if (char === '"') inQuotes = !inQuotes;
			else if (!inQuotes && char === ",") break;
			i += 1;
		}
	};

	while (i < length) {
		// §5.6.1.2: skip OWS and empty members.
		while (i < length && (isOws(fieldValue[i]) || fieldValue[i] === ",")) i += 1;
		if (i >= length) break;

		const nameStart = i;
		while (i < length && isTchar(fieldValue[i] ?? "")) i += 1;
		const name = fieldValue.slice(nameStart, i).toLowerCase();
		if (name === "") {
			skipToNextMember();
			continue;
		}

		// RFC 9111 §5.2: `token [ "=" ( token / quoted-string ) ]` has no whitespace around
		// "=". `max-age =5` is a name followed by junk, and `max-age= 5` an argument that
		// starts with a space: both read as invalid arguments (a stale response, for max-age),
		// never as the number a lenient reader would guess.
		if (fieldValue[i] !== "=") {
			while (i < length && isOws(fieldValue[i])) i += 1;
			if (i < length && fieldValue[i] !== ",") {
				// `no-store junk`: keep the name, report the junk as an (invalid) argument.
				const junkStart = i;
				skipToNextMember();
				directives.push({ name, value: fieldValue.slice(junkStart, i).trim() });
			} else {
				directives.push({ name, value: undefined });
			}
			continue;
		}
		i += 1;
		const valueStart = i;
		let value: string;
		if (isOws(fieldValue[i])) {
			// Kept with its leading whitespace, so no typed reader takes it as valid.
			skipToNextMember();
			directives.push({ name, value: fieldValue.slice(valueStart, i).trimEnd() });
			continue;
		}
		if (fieldValue[i] === '"') {
			const quoted = readQuotedString(fieldValue, i);
			if (quoted === undefined) {
				// Unterminated: nothing after it can be trusted, but the directive itself was
				// sent. Kept with its garbled argument (opening quote and all), so restrictive
				// ones still count (`private="set-cookie` is unqualified private) and numeric
				// ones read as invalid.
				directives.push({ name, value: fieldValue.slice(valueStart) });
				break;
			}
			value = quoted.text;
			i = quoted.end;
		} else {
			while (i < length && isTchar(fieldValue[i] ?? "")) i += 1;
			value = fieldValue.slice(valueStart, i);
		}

		while (i < length && isOws(fieldValue[i])) i += 1;
		if (i < length && fieldValue[i] !== ",") {
			skipToNextMember();
			value = fieldValue.slice(valueStart, i).trim();
		}
		directives.push({ name, value });
	}
	return directives;
}

/** RFC 9110 §5.6.4: read a quoted-string starting at `start` (the opening DQUOTE). */
export function readQuotedString(
	text: string,
	start: number,
): { text: string; end: number } | undefined {
	let out = "";
	let i = start + 1;
	while (i < text.length) {
		const char = text[i];
		if (char === '"') return { text: out, end: i + 1 };
		if (char === "\\") {
			// quoted-pair: the next octet stands for itself.
			i += 1;
			if (i >= text.length) return undefined;
		}
		out += text[i];
		i += 1;
	}
	return undefined;
}

/** A `#field-name` argument (no-cache, private): lower-cased tokens, empties and non-tokens dropped. */
export function parseFieldNameList(value: string): string[] {
	const names: string[] = [];
	for (const member of value.split(",")) {
		const name = member.trim().toLowerCase();
		if (name !== "" && [...name].every(isTchar) && !names.includes(name)) names.push(name);
	}
	return names;
}
