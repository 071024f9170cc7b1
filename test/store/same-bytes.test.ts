import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { sameBytes, sameBytesByLoop } from "../../edge/store/same-bytes.ts";

/** Bytes placed at an offset inside a larger buffer: the tier hands out views like these. */
const viewOf = (bytes: Uint8Array, offset: number): Uint8Array => {
	const buffer = new Uint8Array(offset + bytes.byteLength + 3);
	buffer.set(bytes, offset);
	return buffer.subarray(offset, offset + bytes.byteLength);
};

const reference = (a: Uint8Array, b: Uint8Array): boolean =>
	a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i]);

describe("sameBytes", () => {
	for (const [name, equal] of [
		["native compare", sameBytes],
		["plain loop", sameBytesByLoop],
	] as const) {
		test(`${name}: agrees with element-wise equality, for views at any offset`, () => {
			fc.assert(
				fc.property(
					fc.uint8Array({ maxLength: 64 }),
					fc.nat(13),
					fc.nat(13),
					fc.option(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 }))),
					(bytes, offsetA, offsetB, change) => {
						const other = bytes.slice();
						if (change !== null && other.byteLength > 0) {
							const at = change[0] % other.byteLength;
							other[at] = ((other[at] as number) + change[1]) & 0xff;
						}
						const a = viewOf(bytes, offsetA);
						const b = viewOf(other, offsetB);
						expect(equal(a, b)).toBe(reference(a, b));
						expect(equal(a, b)).toBe(change === null || bytes.byteLength === 0);
					},
				),
			);
		});

		test(`${name}: a prefix is not the same bytes`, () => {
			const bytes = new Uint8Array([1, 2, 3, 4]);
			expect(equal(bytes, bytes.subarray(0, 3))).toBe(false);
			expect(equal(bytes.subarray(0, 0), new Uint8Array(0))).toBe(true);
		});
	}
});
