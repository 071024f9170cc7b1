/**
 * delta-seconds (RFC 9111 §1.2.2): a non-negative integer number of seconds.
 */

/** RFC 9111 §1.2.2: a value too large to represent, or an overflow, is taken as 2^31 ("infinity"). */
export const DELTA_SECONDS_INFINITY = 2_147_483_648;

const DIGITS_ONLY = /^[0-9]+$/;

/**
 * Parse `delta-seconds = 1*DIGIT`. Returns undefined for anything else (a sign, a fraction,
 * spaces, an empty string): callers decide what an invalid value means for their directive.
 * Values beyond 2^31 are clamped to 2^31 (§1.2.2) so that later arithmetic never overflows
 * into a negative or non-finite number.
 */
export function parseDeltaSeconds(text: string): number | undefined {
	if (!DIGITS_ONLY.test(text)) return undefined;
	// Leading zeros are allowed by 1*DIGIT; more than ten significant digits is always > 2^31.
	const significant = text.replace(/^0+(?=[0-9])/, "");
	if (significant.length > 10) return DELTA_SECONDS_INFINITY;
	return Math.min(Number(significant), DELTA_SECONDS_INFINITY);
}

/** Clamp a computed number of seconds into [0, 2^31] (§1.2.2: an overflow is never negative). */
export function clampSeconds(seconds: number): number {
	if (Number.isNaN(seconds) || seconds <= 0) return 0;
	return Math.min(seconds, DELTA_SECONDS_INFINITY);
}
