/**
 * Where the fields of one CSV line are, reused from line to line so splitting allocates
 * nothing. An unquoted field is a range of the line's bytes; a quoted one (RFC 4180) is a
 * range of `scratch`, where its text is copied without the quotes and with `""` as `"`.
 */
export interface CsvFields {
	count: number;
	readonly starts: number[];
	readonly ends: number[];
	readonly quoted: boolean[];
	scratch: Uint8Array;
}

export function emptyCsvFields(): CsvFields {
	return { count: 0, starts: [], ends: [], quoted: [], scratch: new Uint8Array(256) };
}

const COMMA = 0x2c;
const QUOTE = 0x22;

/** Splits bytes[start, end) at commas into `fields`; a reason if the quoting is broken. */
export function splitCsvLine(
	bytes: Uint8Array,
	start: number,
	end: number,
	fields: CsvFields,
): string | undefined {
	fields.count = 0;
	let scratchUsed = 0;
	let i = start;
	for (;;) {
		const field = fields.count++;
		if (i < end && bytes[i] === QUOTE) {
			if (fields.scratch.length < scratchUsed + (end - i)) {
				const scratch = new Uint8Array(2 * (scratchUsed + (end - i)));
				scratch.set(fields.scratch.subarray(0, scratchUsed));
				fields.scratch = scratch;
			}
			const from = scratchUsed;
			let j = i + 1;
			for (;;) {
				if (j >= end) return `field ${field + 1} has no closing quote`;
				const byte = bytes[j] as number;
				if (byte === QUOTE) {
					if (bytes[j + 1] === QUOTE && j + 1 < end) {
						fields.scratch[scratchUsed++] = QUOTE;
						j += 2;
						continue;
					}
					break;
				}
				fields.scratch[scratchUsed++] = byte;
				j++;
			}
			fields.starts[field] = from;
			fields.ends[field] = scratchUsed;
			fields.quoted[field] = true;
			j++; // past the closing quote
			if (j === end) return undefined;
			if (bytes[j] !== COMMA) return `field ${field + 1} has text after its closing quote`;
			i = j + 1;
			continue;
		}
		let j = i;
		while (j < end && bytes[j] !== COMMA) {
			if (bytes[j] === QUOTE) return `field ${field + 1} has a quote but does not start with one`;
			j++;
		}
		fields.starts[field] = i;
		fields.ends[field] = j;
		fields.quoted[field] = false;
		if (j === end) return undefined;
		i = j + 1;
	}
}
