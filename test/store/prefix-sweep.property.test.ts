/**
 * A path-prefix purge is swept a slice at a time (edge/store/prefix-sweeps.ts), and must
 * look to every read as if it had been carried out whole in the call. Held here to a model
 * that does exactly that, over random stores, hard and soft purges (swept path prefixes and
 * an indexed family prefix, overlapping), reads, and slices run in between. fast-check
 * prints the seed and path of a failure, to replay it with `{ seed, path }`.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import { ManualClock } from "../../edge/store/clock.ts";
import { MemoryTier } from "../../edge/store/memory.ts";
import { TsSlab } from "../../native/slab-ts.ts";
import { decode, encode, headerOf, meta } from "./meta-helpers.ts";
import { SliceGate } from "./slice-gate.ts";

const H = "https://h.test/";
const KEYS = [
	`${H}a/1`,
	`${H}a/12`,
	`${H}a/1\u0000gzip`,
	`${H}a/2`,
	`${H}ab`,
	`${H}b/1`,
	`${H}b/2`,
];
/** Path prefixes (swept) and one family prefix (answered from the index, in the call). */
const PREFIXES = [H, `${H}a`, `${H}a/`, `${H}a/1`, `${H}b/`, `${H}a/1\u0000`];
const STALE = ";stale";
const markStale = (header: Uint8Array) => {
	const text = decode(header) ?? "";
	return text.endsWith(STALE) ? undefined : encode(`${text}${STALE}`);
};

type Op =
	| { readonly kind: "store"; readonly key: string }
	| { readonly kind: "purge"; readonly prefix: string; readonly soft: boolean }
	| { readonly kind: "read"; readonly key: string }
	| { readonly kind: "step" };

const op: fc.Arbitrary<Op> = fc.oneof(
	fc.record({ kind: fc.constant("store" as const), key: fc.constantFrom(...KEYS) }),
	fc.record({
		kind: fc.constant("purge" as const),
		prefix: fc.constantFrom(...PREFIXES),
		soft: fc.boolean(),
	}),
	fc.record({ kind: fc.constant("read" as const), key: fc.constantFrom(...KEYS) }),
	fc.constant({ kind: "step" as const }),
);

test("swept purges read as purges carried out whole, in any interleaving", async () => {
	await fc.assert(
		fc.asyncProperty(
			fc.array(op, { maxLength: 60 }),
			fc.integer({ min: 1, max: 3 }),
			async (ops, slice) => {
				const gate = new SliceGate();
				const tier = new MemoryTier({
					slab: new TsSlab({ capacityBytes: 1 << 20 }),
					clock: new ManualClock(0),
					sweepSliceKeys: slice,
					yieldBetweenSlices: gate.yieldBetweenSlices,
				});
				const model = new Map<string, string>();
				const purges: { done: Promise<number>; expected: number }[] = [];
				let version = 0;
				for (const step of ops) {
					if (step.kind === "store") {
						const header = `v${version++}`;
						const writer = tier.beginWrite(step.key, meta(header), 1);
						writer.write(encode("x"));
						expect(writer.commit().stored).toBe(true);
						model.set(step.key, header);
					} else if (step.kind === "purge") {
						let expected = 0;
						for (const [key, header] of model) {
							if (!key.startsWith(step.prefix)) continue;
							if (!step.soft) {
								model.delete(key);
								expected++;
							} else if (!header.endsWith(STALE)) {
								model.set(key, `${header}${STALE}`);
								expected++;
							}
						}
						const done = step.soft
							? tier.softPurge({ prefix: step.prefix }, markStale)
							: tier.purge({ prefix: step.prefix });
						purges.push({ done, expected });
					} else if (step.kind === "read") {
						expect(headerOf(tier, step.key)).toBe(model.get(step.key));
					} else {
						await gate.step();
					}
				}
				await gate.runToEnd();
				for (const key of KEYS) expect(headerOf(tier, key)).toBe(model.get(key));
				expect(tier.size).toBe(model.size);
				for (const purge of purges) expect(await purge.done).toBe(purge.expected);
				tier.close();
			},
		),
		{ numRuns: 300 },
	);
});
