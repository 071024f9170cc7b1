/**
 * A log that writes at most `limit` lines per `windowMs`, so an origin that is down under
 * load costs a few lines a second rather than one per request (each failed request would
 * otherwise write one, thousands a second, and stderr becomes the bottleneck). What it holds
 * back it counts, and the first line it lets through afterwards says how many went.
 */
import type { LogLine } from "./origin-fetch.ts";

export interface RateLimit {
	readonly limit: number;
	readonly windowMs: number;
}

export const ORIGIN_WARNING_RATE: RateLimit = { limit: 10, windowMs: 1000 };

export function rateLimitedLog(
	write: LogLine,
	now: () => number,
	rate: RateLimit = ORIGIN_WARNING_RATE,
): LogLine {
	return rateLimited(now, rate, (line, held) => {
		if (held > 0)
			write(
				`WARN ${held} more lines like these were suppressed (at most ${rate.limit} per ${rate.windowMs} ms)`,
			);
		write(line);
	});
}

/**
 * The limiter itself, whatever the lines look like (the cluster's leveled Logger uses it
 * too): `pass` gets each line let through, with how many were held back just before it.
 */
export function rateLimited(
	now: () => number,
	{ limit, windowMs }: RateLimit,
	pass: (line: string, held: number) => void,
): (line: string) => void {
	let windowStart = Number.NEGATIVE_INFINITY;
	let written = 0;
	let suppressed = 0;
	return (line) => {
		const at = now();
		if (at - windowStart >= windowMs) {
			windowStart = at;
			written = 0;
		}
		if (written >= limit) {
			suppressed++;
			return;
		}
		written++;
		const held = suppressed;
		suppressed = 0;
		pass(line, held);
	};
}
