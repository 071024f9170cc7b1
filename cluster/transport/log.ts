/**
 * Leveled logs on stderr: TRACE frames, DEBUG connection events, INFO peer up/down, WARN
 * a connection closed for bad input. Injectable so tests read what was logged.
 */
import { type RateLimit, rateLimited } from "../../edge/proxy/rate-limited-log.ts";

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
	/** Whether `level` is written: callers skip building TRACE lines nobody reads. */
	enabled(level: LogLevel): boolean;
	log(level: LogLevel, line: string): void;
}

function rank(level: LogLevel): number {
	return LOG_LEVELS.indexOf(level);
}

/** `LEVEL scope: line` on stderr for `minLevel` and above. */
export function stderrLogger(minLevel: LogLevel, scope: string): Logger {
	const min = rank(minLevel);
	return {
		enabled: (level) => rank(level) >= min,
		log(level, line) {
			if (rank(level) >= min) process.stderr.write(`${level.toUpperCase()} ${scope}: ${line}\n`);
		},
	};
}

/** Keeps every line in memory (all levels), for tests. */
export class MemoryLogger implements Logger {
	readonly lines: { readonly level: LogLevel; readonly line: string }[] = [];

	enabled(): boolean {
		return true;
	}

	log(level: LogLevel, line: string): void {
		this.lines.push({ level, line });
	}

	/** The lines at `level`, text only. */
	at(level: LogLevel): string[] {
		return this.lines.filter((l) => l.level === level).map((l) => l.line);
	}
}

export const AUTH_WARNING_RATE: RateLimit = { limit: 10, windowMs: 1000 };

/**
 * WARN lines through `log`, at most `rate.limit` per `rate.windowMs` (anyone who can reach
 * a port can cause them, so an unbounded WARN would let a stranger flood stderr). What it
 * holds back it counts, and the next line it lets through is preceded by how many went.
 */
export function rateLimitedWarn(
	log: Logger,
	now: () => number,
	rate: RateLimit = AUTH_WARNING_RATE,
): (line: string) => void {
	return rateLimited(now, rate, (line, held) => {
		if (held > 0)
			log.log(
				"warn",
				`${held} more warnings like these were suppressed (at most ${rate.limit} per ${rate.windowMs} ms)`,
			);
		log.log("warn", line);
	});
}
