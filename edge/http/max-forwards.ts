/**
 * Max-Forwards (RFC 9110 §7.6.2) on OPTIONS and TRACE: "Each intermediary that receives a
 * TRACE or OPTIONS request containing a Max-Forwards header field MUST check and update its
 * value prior to forwarding the request. If the received value is zero (0), the
 * intermediary MUST NOT forward the request; instead, the intermediary MUST respond as the
 * final recipient." Other methods may ignore it, and do here; the edge never forwards a
 * TRACE (proxy/answered-here.ts), so only OPTIONS counts it down.
 *
 *   Max-Forwards = 1*DIGIT
 */

/** What an OPTIONS or TRACE request's Max-Forwards asks of this hop. */
export type MaxForwardsStep =
	| { readonly kind: "answer" }
	/** `value`: the field to send on; undefined: send the request's field as it came. */
	| { readonly kind: "forward"; readonly value: string | undefined };

/** Digits past this many name a count no chain of proxies reaches: sent on unchanged. */
const MAX_DIGITS = 15;

const FORWARD_AS_IS: MaxForwardsStep = Object.freeze({ kind: "forward", value: undefined });

/**
 * `field`: the request's Max-Forwards, null when absent. An invalid value (not 1*DIGIT, or
 * several values joined by a comma) limits nothing we can read, so it goes on as it came:
 * rewriting it would invent a limit the client never set.
 */
export function maxForwardsStep(field: string | null): MaxForwardsStep {
	if (field === null) return FORWARD_AS_IS;
	const digits = field.trim();
	if (!/^[0-9]+$/.test(digits) || digits.length > MAX_DIGITS) return FORWARD_AS_IS;
	const remaining = Number(digits);
	return remaining === 0 ? { kind: "answer" } : { kind: "forward", value: String(remaining - 1) };
}
