/**
 * Surrogate-Control (W3C Edge Architecture Specification 1.0, a Note; no RFC defines it):
 * the field CDNs honoured before RFC 9213's CDN-Cache-Control replaced it, still sent by
 * origins written for them. Its directives have Cache-Control's syntax, and one may be
 * aimed at a single surrogate with `;device-token`:
 *
 *   Surrogate-Control: max-age=3600, no-store;other-cdn
 *
 * A surrogate says which token is its own in Surrogate-Capability, on each request it
 * forwards. We read the field as a targeted field after CDN-Cache-Control on the target
 * list (targeted.ts): directives for us or for every surrogate count, those aimed at
 * another device are dropped, and a field left with no caching directive is ignored, as RFC
 * 9213 §2.1 ignores an empty targeted field. Unlike CDN-Cache-Control, a field of extension
 * directives alone (an ESI origin's `content="ESI/1.0"`) does not count: origins send that
 * beside Cache-Control, which must stay in charge then.
 */

import { type ResponseCacheControl, responseCacheControlFrom } from "./cache-control.ts";
import { parseDirectiveList, type RawDirective } from "./directive-list.ts";
import { splitFieldList } from "./field-list.ts";
import { VIA_PSEUDONYM } from "./via.ts";

/** Our device token: the pseudonym Via already gives the origin for this hop. */
export const SURROGATE_DEVICE_TOKEN = VIA_PSEUDONYM;

/** Surrogate-Capability's value: this device supports the Surrogate-Control header (and no ESI). */
export const SURROGATE_CAPABILITY = `${SURROGATE_DEVICE_TOKEN}="Surrogate/1.0"`;

/** A member's directive and the device it is aimed at (undefined: every surrogate). */
function splitTarget(member: string): { directive: string; target: string | undefined } {
	let inQuotes = false;
	for (let i = 0; i < member.length; i++) {
		const char = member[i];
		if (inQuotes && char === "\\") i += 1;
		else if (char === '"') inQuotes = !inQuotes;
		else if (!inQuotes && char === ";")
			return {
				directive: member.slice(0, i),
				target: member
					.slice(i + 1)
					.trim()
					.toLowerCase(),
			};
	}
	return { directive: member, target: undefined };
}

/** Directives that set a caching policy (Cache-Control's, RFC 9111 §5.2.2, and RFC 5861's). */
const CACHING_DIRECTIVES: ReadonlySet<string> = new Set([
	"max-age",
	"s-maxage",
	"no-store",
	"no-cache",
	"private",
	"public",
	"must-revalidate",
	"proxy-revalidate",
	"must-understand",
	"no-transform",
	"immutable",
	"stale-while-revalidate",
	"stale-if-error",
]);

/** The Note's no-store-remote is for surrogates far from the origin: a CDN is one. */
function asCdn(directive: RawDirective): RawDirective {
	return directive.name === "no-store-remote" ? { name: "no-store", value: undefined } : directive;
}

/**
 * The Note's `max-age=N+M` adds M seconds a surrogate may serve the response stale when the
 * origin cannot be reached; only N is a freshness lifetime, so only N is kept (the edge
 * already serves stale while the origin is unreachable, `--stale-if-unreachable-s`).
 */
function withoutStaleExtension(directive: RawDirective): RawDirective {
	if (directive.name !== "max-age" || directive.value === undefined) return directive;
	const match = /^(\d+)\+\d+$/.exec(directive.value);
	return match ? { name: directive.name, value: match[1] } : directive;
}

/**
 * The directives a Surrogate-Control field value gives this device, or undefined when it
 * sets no caching policy for it (absent, empty, extension directives only, or every
 * directive aimed at another device): the next field on the target list, or Cache-Control,
 * applies then.
 */
export function parseSurrogateControl(
	fieldValue: string | null | undefined,
	deviceToken: string = SURROGATE_DEVICE_TOKEN,
): ResponseCacheControl | undefined {
	if (fieldValue === null || fieldValue === undefined) return undefined;
	const ours: string[] = [];
	for (const member of splitFieldList(fieldValue)) {
		const { directive, target } = splitTarget(member);
		if (target === undefined || target === deviceToken) ours.push(directive);
	}
	const directives = parseDirectiveList(ours.join(",")).map(asCdn).map(withoutStaleExtension);
	if (!directives.some((directive) => CACHING_DIRECTIVES.has(directive.name))) return undefined;
	return responseCacheControlFrom(directives);
}
