/**
 * Reads the figures the edge benchmark needs out of `wrk --latency` output. wrk has no
 * machine-readable mode, so the text is parsed strictly: a missing or unreadable figure is
 * an error naming what was missing, never a zero that would pass for a slow server.
 */

export interface WrkFigures {
	readonly requestsPerSec: number;
	/** Responses completed in the run ("N requests in ..."): what CPU per request divides by. */
	readonly requests: number;
	readonly p99Ms: number;
	/** Responses outside 2xx/3xx: a run with any is not a measurement of cache hits. */
	readonly non2xx3xx: number;
	/** connect + read + write + timeout errors wrk reported. */
	readonly socketErrors: number;
}

export class WrkOutputError extends Error {
	override name = "WrkOutputError";
}

const MS_PER_UNIT: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function excerpt(text: string): string {
	const trimmed = text.trim();
	if (trimmed === "") return "(empty output)";
	return trimmed.length > 200 ? `${trimmed.slice(0, 200)}…` : trimmed;
}

/** "6.50ms" -> 6.5; wrk prints us, ms, s and (for very long runs) m. */
export function durationToMs(text: string): number {
	const match = /^(\d+(?:\.\d+)?)(us|ms|s|m)$/.exec(text);
	const unit = match?.[2];
	const factor = unit === undefined ? undefined : MS_PER_UNIT[unit];
	if (match === null || factor === undefined) {
		throw new WrkOutputError(`unreadable wrk duration ${JSON.stringify(text)}`);
	}
	return Number(match[1]) * factor;
}

export function parseWrkOutput(text: string): WrkFigures {
	const rps = /^Requests\/sec:\s+(\d+(?:\.\d+)?)\s*$/m.exec(text);
	if (rps === null) {
		throw new WrkOutputError(`no "Requests/sec:" line in wrk output: ${excerpt(text)}`);
	}
	const requests = /^\s*(\d+) requests in /m.exec(text);
	if (requests === null) {
		throw new WrkOutputError(`no "N requests in" line in wrk output: ${excerpt(text)}`);
	}
	if (!/^\s*Latency Distribution\s*$/m.test(text)) {
		throw new WrkOutputError(
			`no "Latency Distribution" in wrk output (was --latency given?): ${excerpt(text)}`,
		);
	}
	const p99 = /^\s+99(?:\.000)?%\s+(\S+)\s*$/m.exec(text);
	if (p99?.[1] === undefined) {
		throw new WrkOutputError(`no 99% line in wrk's latency distribution: ${excerpt(text)}`);
	}
	const non2xx = /^\s*Non-2xx or 3xx responses:\s+(\d+)\s*$/m.exec(text);
	const errors =
		/^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)\s*$/m.exec(text);
	const socketErrors =
		errors === null ? 0 : errors.slice(1, 5).reduce((sum, n) => sum + Number(n), 0);
	return {
		requestsPerSec: Number(rps[1]),
		requests: Number(requests[1]),
		p99Ms: durationToMs(p99[1]),
		non2xx3xx: non2xx === null ? 0 : Number(non2xx[1]),
		socketErrors,
	};
}
