/**
 * The access log (`--access-log PATH`, or `-` for stderr): one JSON line per request, written
 * when the response's head is ready. What the cache decided comes from the response's
 * Cache-Status, which the proxy derives from its phase like the metrics, so the log and the
 * metrics cannot disagree. JSON escaping keeps a request's bytes (a newline in a path, a
 * quote in a Host) from forging lines. Off by default: it costs a line per request.
 */
import { closeSync, openSync } from "node:fs";
import { pathStart } from "../../edge/http/raw-path.ts";

/** Where lines go: buffered, flushed now and then and at shutdown. */
export interface LineSink {
	write(line: string): void;
	flush(): void;
	end(): Promise<void>;
}

export interface AccessEntry {
	readonly time: number;
	readonly method: string;
	readonly host: string | null;
	readonly url: string;
	readonly status: number;
	readonly cacheStatus: string | null;
	readonly bytes: string | null;
	readonly ms: number;
}

/** Bounds per field, so one absurd request cannot write a megabyte line. */
const MAX_FIELD = 2048;

export function accessLogLine(entry: AccessEntry): string {
	// Fields are written in this fixed order; strings from the request go through
	// JSON.stringify (escaping quotes, newlines and control characters), the rest are numbers
	// we made. Cheaper than stringifying an object, and the same JSON.
	const host = entry.host === null ? "null" : JSON.stringify(clip(entry.host));
	const cache = entry.cacheStatus === null ? "null" : JSON.stringify(clip(entry.cacheStatus));
	const bytes = entry.bytes !== null && /^\d{1,15}$/.test(entry.bytes) ? entry.bytes : "null";
	return `{"time":"${isoTime(entry.time)}","method":${JSON.stringify(clip(entry.method))},"host":${host},"path":${JSON.stringify(clip(pathOf(entry.url)))},"status":${entry.status},"cache":${cache},"bytes":${bytes},"ms":${Math.round(entry.ms * 1000) / 1000}}\n`;
}

/** The ISO time of a millisecond, kept for the next line: busy logs repeat it many times. */
let lastTime = Number.NaN;
let lastIso = "";
function isoTime(time: number): string {
	if (time !== lastTime) {
		lastTime = time;
		lastIso = new Date(time).toISOString();
	}
	return lastIso;
}

function clip(text: string): string {
	return text.length <= MAX_FIELD ? text : `${text.slice(0, MAX_FIELD)}…`;
}

/** Path and query of an absolute URL, found without parsing it. */
function pathOf(url: string): string {
	const start = pathStart(url);
	return start === url.length ? "/" : url.slice(start);
}

type Handler = (request: Request) => Response | Promise<Response>;

/** `handler`, logging each answer to `sink` once its Response exists. */
export function withAccessLog(
	handler: Handler,
	sink: LineSink,
	now: () => number = performance.now.bind(performance),
	wallClock: () => number = Date.now,
): Handler {
	return (request) => {
		const started = now();
		const log = (response: Response) => {
			sink.write(
				accessLogLine({
					time: wallClock(),
					method: request.method,
					host: request.headers.get("host"),
					url: request.url,
					status: response.status,
					cacheStatus: response.headers.get("cache-status"),
					bytes: response.headers.get("content-length"),
					ms: now() - started,
				}),
			);
			return response;
		};
		// A handler that throws becomes the server's plain 500: log that too, then let it go on.
		const failed = (error: unknown): never => {
			log(new Response(null, { status: 500 }));
			throw error;
		};
		let answer: Response | Promise<Response>;
		try {
			answer = handler(request);
		} catch (error) {
			return failed(error);
		}
		return answer instanceof Response ? log(answer) : answer.then(log, failed);
	};
}

export class AccessLogError extends Error {
	override name = "AccessLogError";
}

/**
 * A sink appending to `path` (`-`: stderr). The file is opened here, so a path that cannot
 * be written is an error at start-up, not a silent loss later.
 */
export function openAccessLog(path: string): LineSink {
	if (path === "-") return bufferedSink(Bun.stderr.writer());
	try {
		closeSync(openSync(path, "a"));
	} catch (error) {
		throw new AccessLogError(`cannot append to ${path}: ${(error as Error).message}`);
	}
	return bufferedSink(Bun.file(path).writer({ highWaterMark: 64 * 1024 }));
}

interface FileWriter {
	write(chunk: string): number | Promise<number>;
	flush(): number | Promise<number>;
	end(): number | Promise<number>;
}

/** Lines are joined here and handed to the writer 64 KiB at a time, or each second. */
const BATCH_CHARS = 64 * 1024;

function bufferedSink(writer: FileWriter): LineSink {
	// A write or flush that fails (a full disk) loses log lines, never the request. Bun's
	// FileSink reports such a failure either way: a rejected promise, or (flush() on ENOSPC)
	// a synchronous throw, which would otherwise fail the request that completed a batch or,
	// from the timer, end the process as an uncaught exception.
	const settle = (call: () => number | Promise<number>) => {
		try {
			const result = call();
			if (result instanceof Promise) result.catch(() => {});
		} catch {
			// Lost lines: the log is best effort.
		}
	};
	let pending = "";
	const flush = () => {
		if (pending === "") return;
		const batch = pending;
		pending = "";
		settle(() => writer.write(batch));
		settle(() => writer.flush());
	};
	const timer = setInterval(flush, 1000);
	timer.unref();
	return {
		write: (line) => {
			pending += line;
			if (pending.length >= BATCH_CHARS) flush();
		},
		flush,
		end: async () => {
			clearInterval(timer);
			flush();
			try {
				await writer.end();
			} catch {
				// As above: shutdown goes on without the lines a full disk refused.
			}
		},
	};
}
