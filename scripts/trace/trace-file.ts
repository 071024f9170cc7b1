import { closeSync, openSync, readSync } from "node:fs";
import { KeyTable } from "./key-table.ts";
import { emptyCsvFields, splitCsvLine } from "./trace-line.ts";

/** A trace with keys interned to dense integer ids, ready for fast replay. */
export interface Trace {
	readonly name: string;
	readonly ids: Int32Array;
	/** Each request's size; 32-bit unless some size needs more. */
	readonly sizes: Uint32Array | Float64Array;
	readonly uniqueObjects: number;
	/** Sum of each unique object's size (its first one seen, as libCacheSim): the byte-mode working set. */
	readonly uniqueBytes: number;
	/** Whether any request has a size other than 1 (traces without sizes write 1). */
	readonly hasSizes: boolean;
	/** Requests of size 0, left out of the replay and the working set (libCacheSim's rule). */
	readonly zeroSizeSkipped: number;
	/** A first line taken for a header and skipped, if there was one. */
	readonly header: string | undefined;
}

/** A line that is not a request: names the file (or source) and the line. */
export class TraceParseError extends Error {
	constructor(
		readonly source: string,
		readonly lineNumber: number,
		reason: string,
	) {
		super(`${source} line ${lineNumber}: ${reason}`);
		this.name = "TraceParseError";
	}
}

/** A trace file that cannot be opened or read. */
export class TraceFileError extends Error {
	constructor(path: string, cause: unknown) {
		const code = (cause as { code?: unknown }).code;
		const reason = typeof code === "string" ? code : String(cause);
		super(`cannot read trace file ${path}: ${reason}`);
		this.name = "TraceFileError";
	}
}

const HEADER = "timestamp,key,size";
const UTF8_BOM = [0xef, 0xbb, 0xbf];
/** Sizes and the byte working set must stay exact in a double. */
const MAX_SIZE = Number.MAX_SAFE_INTEGER;
const U32_MAX = 0xffff_ffff;

const isDigit = (byte: number) => byte >= 0x30 && byte <= 0x39;
const isSpace = (byte: number) => byte === 0x20 || byte === 0x09 || byte === 0x0d;

/** A non-negative integer up to MAX_SIZE, or -1. */
function parseSize(bytes: Uint8Array, start: number, end: number): number {
	if (end === start || end - start > 16) return -1;
	let value = 0;
	for (let i = start; i < end; i++) {
		const byte = bytes[i] as number;
		if (!isDigit(byte)) return -1;
		value = value * 10 + (byte - 0x30);
	}
	return value <= MAX_SIZE ? value : -1;
}

/** Digits with an optional fraction: `12`, `12.5`. Timestamps are checked, never used. */
function isTimestamp(bytes: Uint8Array, start: number, end: number): boolean {
	let i = start;
	while (i < end && isDigit(bytes[i] as number)) i++;
	if (i === start) return false;
	if (i < end && bytes[i] === 0x2e) {
		i++;
		while (i < end && isDigit(bytes[i] as number)) i++;
	}
	return i === end;
}

const decoder = new TextDecoder();
function textOf(bytes: Uint8Array, start: number, end: number): string {
	const text = decoder.decode(bytes.subarray(start, Math.min(end, start + 120)));
	return end - start > 120 ? `${text}...` : text;
}

/**
 * Builds a Trace one `timestamp,key,size` line at a time from bytes, allocating nothing per
 * line, so a trace of tens of millions of requests costs 8 bytes a request plus its keys.
 * The rules (docs/cache-policy.md, "Replay rules"): a UTF-8 BOM, CR before LF, blank lines
 * and a first line whose timestamp and size are both not numbers (a header) are skipped;
 * fields may be quoted as in RFC 4180, so a key may hold commas and quotes; anything else
 * that is not three fields with a non-negative decimal timestamp, a non-empty key and a
 * non-negative integer size is an error naming the line, because a silently skipped line
 * would shift every miss ratio. Requests of size 0 are skipped and counted, as libCacheSim
 * skips them. Timestamps are not used: the file's order is the request order.
 */
export class TraceBuilder {
	#ids: Int32Array;
	#sizes: Uint32Array | Float64Array;
	#requests = 0;
	#lineNumber = 0;
	#uniqueBytes = 0;
	#hasSizes = false;
	#zeroSizeSkipped = 0;
	#header: string | undefined;
	#seenNonBlank = false;
	readonly #keys = new KeyTable();
	readonly #fields = emptyCsvFields();

	/** `expectedRequests` sizes the arrays once (an upper bound: the file's line count). */
	constructor(
		readonly source: string,
		expectedRequests: number,
	) {
		this.#ids = new Int32Array(Math.max(16, expectedRequests));
		this.#sizes = new Uint32Array(Math.max(16, expectedRequests));
	}

	get requests(): number {
		return this.#requests;
	}

	get lineNumber(): number {
		return this.#lineNumber;
	}

	/** One line, bytes[start, end) without its LF. */
	addLine(bytes: Uint8Array, lineStart: number, lineEnd: number): void {
		this.#lineNumber++;
		let start = lineStart;
		let end = lineEnd;
		if (
			this.#lineNumber === 1 &&
			end - start >= 3 &&
			UTF8_BOM.every((byte, i) => bytes[start + i] === byte)
		) {
			start += 3;
		}
		while (start < end && isSpace(bytes[start] as number)) start++;
		while (end > start && isSpace(bytes[end - 1] as number)) end--;
		if (start === end) return;
		const firstNonBlank = !this.#seenNonBlank;
		this.#seenNonBlank = true;
		const fail = (reason: string): never => {
			throw new TraceParseError(this.source, this.#lineNumber, reason);
		};
		const fields = this.#fields;
		const splitError = splitCsvLine(bytes, start, end, fields);
		if (splitError !== undefined) fail(`${splitError} in "${textOf(bytes, start, end)}"`);
		if (fields.count !== 3) {
			fail(`expected ${HEADER} but got ${fields.count} fields: "${textOf(bytes, start, end)}"`);
		}
		const source = (field: number) => (fields.quoted[field] ? fields.scratch : bytes);
		const [tsStart, keyStart, sizeStart] = fields.starts as [number, number, number];
		const [tsEnd, keyEnd, sizeEnd] = fields.ends as [number, number, number];
		const timestampOk = isTimestamp(source(0), tsStart, tsEnd);
		const size = parseSize(source(2), sizeStart, sizeEnd);
		if (firstNonBlank && !timestampOk && size === -1) {
			this.#header = textOf(bytes, start, end);
			return;
		}
		if (!timestampOk) {
			fail(`timestamp "${textOf(source(0), tsStart, tsEnd)}" is not a non-negative number`);
		}
		if (keyEnd === keyStart) fail("empty key");
		if (size === -1) {
			fail(
				`size "${textOf(source(2), sizeStart, sizeEnd)}" is not an integer from 0 to ${MAX_SIZE}`,
			);
		}
		if (size === 0) {
			this.#zeroSizeSkipped++;
			return;
		}
		const known = this.#keys.size;
		const id = this.#keys.intern(source(1), keyStart, keyEnd);
		if (id === known) {
			this.#uniqueBytes += size;
			if (this.#uniqueBytes > MAX_SIZE) fail(`the unique objects' sizes sum past ${MAX_SIZE}`);
		}
		if (size !== 1) this.#hasSizes = true;
		this.#append(id, size);
	}

	#append(id: number, size: number): void {
		const index = this.#requests++;
		if (index === this.#ids.length) {
			// Only if the caller's bound was short: grow once by half.
			const ids = new Int32Array(Math.ceil(index * 1.5));
			ids.set(this.#ids);
			this.#ids = ids;
			const sizes = new (this.#sizes instanceof Uint32Array ? Uint32Array : Float64Array)(
				ids.length,
			);
			sizes.set(this.#sizes);
			this.#sizes = sizes;
		}
		if (size > U32_MAX && this.#sizes instanceof Uint32Array) {
			this.#sizes = Float64Array.from(this.#sizes);
		}
		this.#ids[index] = id;
		this.#sizes[index] = size;
	}

	finish(name: string): Trace {
		return {
			name,
			// Views, not copies: a copy would double the peak for a moment.
			ids: this.#ids.subarray(0, this.#requests),
			sizes: this.#sizes.subarray(0, this.#requests),
			uniqueObjects: this.#keys.size,
			uniqueBytes: this.#uniqueBytes,
			hasSizes: this.#hasSizes,
			zeroSizeSkipped: this.#zeroSizeSkipped,
			header: this.#header,
		};
	}
}

const LF = 0x0a;

function countLines(bytes: Uint8Array, start: number, end: number): number {
	let lines = 0;
	for (let at = bytes.indexOf(LF, start); at !== -1 && at < end; at = bytes.indexOf(LF, at + 1)) {
		lines++;
	}
	return lines;
}

/** A whole trace held in a string (tests, small files). */
export function parseTrace(name: string, text: string): Trace {
	const bytes = new TextEncoder().encode(text);
	const builder = new TraceBuilder(name, countLines(bytes, 0, bytes.length) + 1);
	let start = 0;
	while (start < bytes.length) {
		let end = bytes.indexOf(LF, start);
		if (end === -1) end = bytes.length;
		builder.addLine(bytes, start, end);
		start = end + 1;
	}
	return builder.finish(name);
}

const CHUNK_BYTES = 4 * 2 ** 20;
/** No trace line comes near this; a longer one means the file is not a trace. */
export const MAX_LINE_BYTES = 2 ** 20;

/**
 * A trace file read in chunks, twice: once to count its lines, so the request arrays are
 * allocated once at their final size, then to parse them. Memory is the ids, sizes and keys,
 * never the file. `onProgress` hears about every chunk of the second pass.
 */
export function readTraceFile(
	path: string,
	name: string,
	onProgress?: (bytesRead: number, requests: number) => void,
	chunkBytes = CHUNK_BYTES,
): Trace {
	let fd: number;
	try {
		fd = openSync(path, "r");
	} catch (error) {
		throw new TraceFileError(path, error);
	}
	const buffer = new Uint8Array(chunkBytes + MAX_LINE_BYTES);
	try {
		let lines = 1;
		let position = 0;
		for (;;) {
			const got = readSync(fd, buffer, 0, chunkBytes, position);
			if (got === 0) break;
			position += got;
			lines += countLines(buffer, 0, got);
		}
		const builder = new TraceBuilder(path, lines);
		let carried = 0;
		let bytesRead = 0;
		for (;;) {
			const got = readSync(fd, buffer, carried, chunkBytes, bytesRead);
			if (got === 0) break;
			bytesRead += got;
			const end = carried + got;
			let start = 0;
			for (
				let at = buffer.indexOf(LF, start);
				at !== -1 && at < end;
				at = buffer.indexOf(LF, start)
			) {
				builder.addLine(buffer, start, at);
				start = at + 1;
			}
			carried = end - start;
			if (carried > MAX_LINE_BYTES) {
				throw new TraceParseError(
					path,
					builder.lineNumber + 1,
					`longer than ${MAX_LINE_BYTES} bytes`,
				);
			}
			buffer.copyWithin(0, start, end);
			onProgress?.(bytesRead, builder.requests);
		}
		// A last line without a newline still counts (and is checked like any other).
		if (carried > 0) builder.addLine(buffer, 0, carried);
		return builder.finish(name);
	} catch (error) {
		if (error instanceof TraceParseError) throw error;
		throw new TraceFileError(path, error);
	} finally {
		closeSync(fd);
	}
}
