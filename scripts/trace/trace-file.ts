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

/**
 * Parses `timestamp,key,size` lines. The traces come without a header; a first line that
 * is exactly that header (as spreadsheets write it) is skipped. Blank lines are skipped;
 * anything else that is not three fields with a non-negative integer size is an error
 * naming the line, because a silently skipped line would shift every miss ratio.
 */
export function parseTrace(name: string, text: string): Trace {
	const ids: number[] = [];
	const sizes: number[] = [];
	const idOfKey = new Map<string, number>();
	let uniqueBytes = 0;
	let lineNumber = 0;
	let start = 0;
	while (start < text.length) {
		let end = text.indexOf("\n", start);
		if (end === -1) end = text.length;
		lineNumber++;
		const line = text.slice(start, end).trim();
		start = end + 1;
		if (line === "" || (lineNumber === 1 && line === "timestamp,key,size")) continue;
		const fields = line.split(",");
		if (fields.length !== 3) {
			throw new TraceParseError(lineNumber, `expected timestamp,key,size but got "${line}"`);
		}
		const key = fields[1] as string;
		const sizeText = fields[2] as string;
		if (key === "") throw new TraceParseError(lineNumber, "empty key");
		if (!/^\d+$/.test(sizeText)) {
			throw new TraceParseError(lineNumber, `size "${sizeText}" is not a non-negative integer`);
		}
		const size = Number(sizeText);
		let id = idOfKey.get(key);
		if (id === undefined) {
			id = idOfKey.size;
			idOfKey.set(key, id);
			uniqueBytes += size;
		}
		ids.push(id);
		sizes.push(size);
	}
	return {
		name,
		ids: Int32Array.from(ids),
		sizes: Float64Array.from(sizes),
		uniqueObjects: idOfKey.size,
		uniqueBytes,
	};
}
