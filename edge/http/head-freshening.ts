/**
 * Freshening a stored response with a HEAD's 200 (RFC 9111 §4.3.5): a HEAD answer is the
 * head a GET would have had, so when it agrees with the stored response on every validator
 * it carries, and on Content-Length if it has one, the stored response gets its header
 * fields as from a 304 (§3.2). Otherwise the stored response is left stale.
 */

const VALIDATOR_FIELDS = ["etag", "last-modified"] as const;

/**
 * Whether the 200 answering a HEAD may update the stored GET response the request selected.
 * `storedBodyLength` is the stored body's size: what a Content-Length of the same
 * representation would say, whether or not one was stored.
 */
export function headResponseFreshens(
	head: Headers,
	stored: Headers,
	storedBodyLength: number,
): boolean {
	for (const name of VALIDATOR_FIELDS) {
		const received = head.get(name);
		if (received !== null && received.trim() !== (stored.get(name) ?? "").trim()) return false;
	}
	const length = head.get("content-length");
	return length === null || length.trim() === String(storedBodyLength);
}
