/**
 * The few Structured Field (RFC 8941) serializers the cache's own fields need. Only what
 * Cache-Status uses (RFC 9211 §2): tokens, strings, integers, booleans as parameters.
 */

/** RFC 8941 §3.3.4: sf-token = ( ALPHA / "*" ) *( tchar / ":" / "/" ). */
const SF_TOKEN = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*$/;

/** RFC 8941 §3.1.2: key = ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" ). */
const SF_KEY = /^[a-z*][a-z0-9_\-.*]*$/;

/** RFC 8941 §3.3.1: integers have at most 15 digits. */
const SF_INTEGER_MAX = 999_999_999_999_999;

export function isSfToken(text: string): boolean {
	return SF_TOKEN.test(text);
}

export function isSfKey(text: string): boolean {
	return SF_KEY.test(text);
}

/**
 * RFC 8941 §4.1.6: an sf-string holds only printable ASCII (%x20-7E), with `\` and `"`
 * escaped. Other characters cannot be carried at all, so they become "?" rather than making
 * the whole field invalid (a recipient discards an unparsable field, RFC 8941 §4.2).
 */
export function serializeSfString(text: string): string {
	let out = '"';
	for (const ch of text) {
		const code = ch.codePointAt(0) ?? 0;
		if (ch === "\\" || ch === '"') out += `\\${ch}`;
		else if (code >= 0x20 && code <= 0x7e) out += ch;
		else out += "?";
	}
	return `${out}"`;
}

/** A token when the text is one, else a string: for values that may be either (RFC 9211 §2). */
export function serializeTokenOrString(text: string): string {
	return isSfToken(text) ? text : serializeSfString(text);
}

/** RFC 8941 §4.1.4: integers only; fractions are truncated and the range clamped. */
export function serializeSfInteger(value: number): string {
	const whole = Math.trunc(value);
	const clamped = Math.max(-SF_INTEGER_MAX, Math.min(SF_INTEGER_MAX, whole));
	return String(Object.is(clamped, -0) ? 0 : clamped);
}

/** RFC 8941 §4.1.1.2: a true boolean parameter is the bare key, false is `key=?0`. */
export function serializeBooleanParam(key: string, value: boolean): string {
	return value ? `;${key}` : `;${key}=?0`;
}
