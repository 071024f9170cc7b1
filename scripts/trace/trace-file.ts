import { closeSync, openSync, readSync } from "node:fs";
import { grownFloat64, grownInt32 } from "../../edge/policy/typed-growth.ts";

/** A trace with keys interned to dense integer ids, ready for fast replay. */
export interface Trace {
	readonly name: string;
	readonly ids: Int32Array;
	readonly sizes: Float64Array;
	readonly uniqueObjects: number;
	/** Sum of each unique object's size (its first one seen): the byte-mode working set. */
	readonly uniqueBytes: number;
}

export class TraceParseError extends Error {
	constructor(
		readonly lineNumber: number,
		reason: string,
	) {
		super(`line ${lineNumber}: ${reason}`);
		this.name = "TraceParseError";
	}
}

const HEADER = "timestamp,key,size";

/**
 * Builds a Trace one `timestamp,key,size` line at a time, so a trace larger than a string
 * can hold streams through it. The traces come without a header; a first line that is
 * exactly that header (as spreadsheets write it) is skipped. Blank lines are skipped;
 * anything else that is not three fields with a non-negative integer size is an error
 * naming the line, because a silently skipped line would shift every miss ratio.
 */
export class TraceBuilder {
	#ids = new Int32Array(1024);
	#sizes = new Float64Array(1024);
	#requests = 0;
	#lineNumber = 0;
	#uniqueBytes = 0;
	readonly #idOfKey = new Map<string, number>();

	get requests(): number {
		return this.#requests;
	}

	addLine(rawLine: string): void {
		this.#lineNumber++;
		const line = rawLine.trim();
		if (line === "" || (this.#lineNumber === 1 && line === HEADER)) return;
		const fields = line.split(",");
		if (fields.length !== 3) {
			throw new TraceParseError(this.#lineNumber, `expected ${HEADER} but got "${line}"`);
		}
		const key = fields[1] as string;
		const sizeText = fields[2] as string;
		if (key === "") throw new TraceParseError(this.#lineNumber, "empty key");
		if (!/^\d+$/.test(sizeText)) {
			throw new TraceParseError(
				this.#lineNumber,
				`size "${sizeText}" is not a non-negative integer`,
			);
		}
		const size = Number(sizeText);
		let id = this.#idOfKey.get(key);
		if (id === undefined) {
			id = this.#idOfKey.size;
			this.#idOfKey.set(key, id);
			this.#uniqueBytes += size;
		}
		const index = this.#requests++;
		this.#ids = grownInt32(this.#ids, index, 0);
		this.#sizes = grownFloat64(this.#sizes, index);
		this.#ids[index] = id;
		this.#sizes[index] = size;
	}

	finish(name: string): Trace {
		return {
			name,
			ids: this.#ids.slice(0, this.#requests),
			sizes: this.#sizes.slice(0, this.#requests),
			uniqueObjects: this.#idOfKey.size,
			uniqueBytes: this.#uniqueBytes,
		};
	}
}

/** A whole trace held in a string (tests, small files). */
export function parseTrace(name: string, text: string): Trace {
	const builder = new TraceBuilder();
	let start = 0;
	while (start < text.length) {
		let end = text.indexOf("\n", start);
		if (end === -1) end = text.length;
		builder.addLine(text.slice(start, end));
		start = end + 1;
	}
	return builder.finish(name);
}

const CHUNK_BYTES = 4 * 2 ** 20;

/**
 * A trace file read in chunks: its size is bounded by memory for the ids, not by the
 * longest string the runtime can build. `onProgress` hears about every chunk.
 */
export function readTraceFile(
	path: string,
	name: string,
	onProgress?: (bytesRead: number, requests: number) => void,
	chunkBytes = CHUNK_BYTES,
): Trace {
	const builder = new TraceBuilder();
	const decoder = new TextDecoder("utf-8");
	const chunk = new Uint8Array(chunkBytes);
	const fd = openSync(path, "r");
	let carried = "";
	let bytesRead = 0;
	try {
		for (;;) {
			const got = readSync(fd, chunk, 0, chunkBytes, null);
			if (got === 0) break;
			bytesRead += got;
			const text = carried + decoder.decode(chunk.subarray(0, got), { stream: true });
			const lastNewline = text.lastIndexOf("\n");
			if (lastNewline === -1) {
				carried = text;
				continue;
			}
			let start = 0;
			while (start <= lastNewline) {
				const end = text.indexOf("\n", start);
				builder.addLine(text.slice(start, end));
				start = end + 1;
			}
			carried = text.slice(lastNewline + 1);
			onProgress?.(bytesRead, builder.requests);
		}
		carried += decoder.decode();
		// A last line without a newline still counts (and is checked like any other).
		if (carried !== "") builder.addLine(carried);
	} finally {
		closeSync(fd);
	}
	return builder.finish(name);
}
