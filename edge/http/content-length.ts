/**
 * Content-Length as a whole number of bytes, or undefined when absent or not one (RFC 9110
 * §8.6: `1*DIGIT`). Fifteen digits at most keeps it exact as a JavaScript number; a longer
 * value names no body anyone could store or slice, so it counts as absent. Headers objects
 * have already trimmed the value and joined repeats with ", ", which then fails the test:
 * a list of lengths is not one length.
 */
export function contentLength(headers: Headers): number | undefined {
	const value = headers.get("content-length");
	if (value === null || !/^\d{1,15}$/.test(value)) return undefined;
	return Number(value);
}
