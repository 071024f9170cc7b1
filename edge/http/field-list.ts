/**
 * Splits a list-based field value (RFC 9110 §5.6.1, `#element`) into its members: commas
 * inside a quoted-string (§5.6.4) do not split, surrounding OWS is trimmed and empty members
 * are dropped, as §5.6.1.2 asks recipients to accept ("a, , b"). With `separator` ";" it
 * splits a member into its parameters (§5.6.6) by the same rules.
 */
export function splitFieldList(value: string, separator: "," | ";" = ","): string[] {
	const members: string[] = [];
	let start = 0;
	let quoted = false;
	for (let i = 0; i < value.length; i++) {
		const ch = value[i];
		if (quoted) {
			if (ch === "\\") i++;
			else if (ch === '"') quoted = false;
		} else if (ch === '"') {
			quoted = true;
		} else if (ch === separator) {
			pushTrimmed(members, value.slice(start, i));
			start = i + 1;
		}
	}
	pushTrimmed(members, value.slice(start));
	return members;
}

function pushTrimmed(members: string[], raw: string): void {
	const trimmed = raw.trim();
	if (trimmed !== "") members.push(trimmed);
}

/**
 * A parameter (RFC 9110 §5.6.6, `name=value`) as written: its name trimmed and lower-cased
 * (names compare case-insensitively), its value trimmed and still quoted if it was;
 * undefined without an "=".
 */
export function parseParameter(parameter: string): { name: string; value: string } | undefined {
	const equals = parameter.indexOf("=");
	if (equals < 0) return undefined;
	return {
		name: parameter.slice(0, equals).trim().toLowerCase(),
		value: parameter.slice(equals + 1).trim(),
	};
}

/** RFC 9110 §5.6.2: token = 1*tchar. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
