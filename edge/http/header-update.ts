/**
 * Updating a stored response's header fields from a 304 (RFC 9111 §4.3.4) or a HEAD response
 * (§4.3.5), as RFC 9111 §3.2 prescribes.
 */

import { parseResponseCacheControl } from "./cache-control.ts";
import { hopByHopFieldNames } from "./hop-by-hop.ts";
import { fieldsWithheldFromStorage } from "./storable.ts";

/**
 * Fields never copied from the new response (lower-case), besides the hop-by-hop ones (RFC
 * 9110 §7.6.1, including those named in Connection, and the proxy authentication fields of
 * RFC 9111 §3.1), which hopByHopFieldNames supplies:
 * - Content-Length: named by §3.2 itself; a 304 or HEAD says nothing about the stored body.
 * - Content-Range: "automatically processed and removed" (§3.2); the stored body is not that range.
 * - Content-Encoding: the stored body's bytes depend on it (§3.2, "fields that the cache's
 *   stored response depends upon").
 */
const NEVER_UPDATED = ["content-length", "content-range", "content-encoding"] as const;

/**
 * The stored header fields after an update: each field present in `incoming` replaces all
 * values of that field in `stored` (§3.2 "replacing field values that are already present"),
 * except the fields excluded above, fields named in the incoming Connection, and fields a
 * qualified private/no-cache in the incoming response withholds from storage (§3.1). Returns a
 * new Headers; neither argument is modified.
 */
export function updateStoredHeaders(stored: Headers, incoming: Headers): Headers {
	const withheld = fieldsWithheldFromStorage(
		parseResponseCacheControl(incoming.get("Cache-Control")),
	);
	const excluded = new Set([...NEVER_UPDATED, ...hopByHopFieldNames(incoming), ...withheld]);
	const updated = new Headers(stored);
	const replaced = new Set<string>();
	for (const [name, value] of incoming) {
		if (excluded.has(name)) continue;
		if (!replaced.has(name)) {
			updated.delete(name);
			replaced.add(name);
		}
		updated.append(name, value);
	}
	// Fields the new response withholds must not survive from the old one either.
	for (const name of withheld) updated.delete(name);
	return updated;
}
