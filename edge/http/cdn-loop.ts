/**
 * CDN-Loop (RFC 8586): each CDN a request passes through appends its own member, so a
 * request that comes back (an origin configured as the edge itself, two POPs pointed at
 * each other) can be recognised and refused instead of forwarded again. Via cannot tell:
 * every node of every deployment names itself "neurocache" there (via.ts), and a tiered
 * setup (edge in front of a shield, both NeuroCache) legitimately shows it twice.
 *
 * So our member carries a parameter naming the edge instance that sent it: a request whose
 * CDN-Loop already holds this instance's own member has been here before. Another
 * deployment's members, or this one's other nodes', carry other names and pass.
 *
 *   CDN-Loop = #cdn-info;  cdn-info = cdn-id *( OWS ";" OWS parameter )
 *   parameter = token "=" ( token / quoted-string )   (RFC 9110 §5.6.6)
 */
import { readQuotedString } from "./directive-list.ts";
import { parseParameter, splitFieldList } from "./field-list.ts";
import { VIA_PSEUDONYM } from "./via.ts";

/** Our cdn-id (a pseudonym, as §2 allows): the same name Via gives. */
export const CDN_ID = VIA_PSEUDONYM;

/** The parameter that names the edge instance in our member. */
const HOP_PARAMETER = "edge";

/** A token for one edge instance: random, so no two processes share one. */
export function newHopName(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(8));
	return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** This instance's member of the field. */
export function cdnLoopMember(hopName: string): string {
	return `${CDN_ID}; ${HOP_PARAMETER}=${hopName}`;
}

/** Appends this instance's member after those the request already carries (the field is a list). */
export function appendCdnLoop(headers: Headers, hopName: string): void {
	const earlier = headers.get("cdn-loop")?.trim() ?? "";
	const ours = cdnLoopMember(hopName);
	headers.set("cdn-loop", earlier === "" ? ours : `${earlier}, ${ours}`);
}

/**
 * Whether `field` (the request's CDN-Loop, null when absent) holds the member this instance
 * appends: the request went out from here and came back. Members that do not parse are
 * someone else's and are skipped, never taken for ours.
 */
export function cameBackTo(field: string | null, hopName: string): boolean {
	if (field === null) return false;
	for (const member of splitFieldList(field)) {
		const parts = splitFieldList(member, ";");
		if (parts[0]?.toLowerCase() !== CDN_ID) continue;
		for (const parameter of parts.slice(1)) {
			const parsed = parseParameter(parameter);
			if (parsed?.name === HOP_PARAMETER && unquote(parsed.value) === hopName) return true;
		}
	}
	return false;
}

/** A token as it is; a quoted-string without its quotes and escapes (RFC 9110 §5.6.4). */
function unquote(value: string): string {
	if (!value.startsWith('"')) return value;
	const quoted = readQuotedString(value, 0);
	return quoted !== undefined && quoted.end === value.length ? quoted.text : value;
}
