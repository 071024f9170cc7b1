/** RFC 3986 §2.3: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~". */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * RFC 3986 §6.2.2.1 and §6.2.2.2: percent-encoded triplets get uppercase hex digits, and
 * those that encode an unreserved character are decoded, since "%7E" and "~" are the same
 * URI. Reserved characters stay encoded: "%2F" in a path is not "/". A "%" that starts no
 * valid triplet is left alone (WHATWG URL keeps it too), which keeps this idempotent.
 */
export function normalizePercentEncoding(text: string): string {
	return text.replace(/%([0-9A-Fa-f]{2})/g, (_triplet, hex: string) => {
		const ch = String.fromCharCode(Number.parseInt(hex, 16));
		return UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
	});
}
