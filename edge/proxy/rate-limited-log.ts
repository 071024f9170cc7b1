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
	{ limit, windowMs }: RateLimit = ORIGIN_WARNING_RATE,
): LogLine {
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
		if (suppressed > 0) {
			write(
				`WARN ${suppressed} more lines like these were suppressed (at most ${limit} per ${windowMs} ms)`,
			);
			suppressed = 0;
		}
		write(line);
	};
}
