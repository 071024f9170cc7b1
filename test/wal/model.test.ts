/**
 * The log against a model: random runs of saves (overlapping suffixes included, several in
 * flight at once), hard states, snapshots (agreeing and not) and reopens, on real files with
 * small segments so that rolling and compaction happen, and crashes that tore the write of
 * a save never acknowledged (part of its record left at the end of the last segment).
 * After every reopen the recovered state must equal the model's.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { appendFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { encodeRecords } from "../../cluster/wal/record.ts";
import type { Entry, HardState, Snapshot } from "../../cluster/wal/types.ts";
import { Wal } from "../../cluster/wal/wal.ts";
import { bytes, tempDir, text } from "./helpers.ts";

type Op =
	| { kind: "append"; back: number; count: number; bump: boolean }
	| { kind: "hard"; commitStep: number; bump: boolean }
	| { kind: "snapshot"; back: number; agree: boolean; beyond: number }
	| { kind: "reopen" }
	| { kind: "torn"; keep: number };

const op: fc.Arbitrary<Op> = fc.oneof(
	{
		weight: 6,
		arbitrary: fc.record({
			kind: fc.constant("append" as const),
			back: fc.nat(3),
			count: fc.integer({ min: 1, max: 4 }),
			bump: fc.boolean(),
		}),
	},
	{
		weight: 2,
		arbitrary: fc.record({
			kind: fc.constant("hard" as const),
			commitStep: fc.nat(3),
			bump: fc.boolean(),
		}),
	},
	{
		weight: 1,
		arbitrary: fc.record({
			kind: fc.constant("snapshot" as const),
			back: fc.nat(4),
			agree: fc.boolean(),
			beyond: fc.nat(3),
		}),
	},
	{ weight: 1, arbitrary: fc.constant({ kind: "reopen" as const }) },
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant("torn" as const), keep: fc.nat() }) },
);

class Model {
	hardState: HardState | undefined;
	snapshot: Snapshot | undefined;
	entries: Entry[] = [];
	term = 1;
	serial = 0;

	get base(): number {
		return this.snapshot?.index ?? 0;
	}
	get last(): number {
		return this.base + this.entries.length;
	}
	termAt(index: number): number | undefined {
		if (index === this.base) return this.snapshot?.term;
		return this.entries[index - this.base - 1]?.term;
	}
}

const dirs: { cleanup: () => void }[] = [];
afterEach(() => {
	for (const dir of dirs.splice(0)) dir.cleanup();
});

async function check(dir: string, model: Model): Promise<Wal> {
	const { wal, recovered } = await Wal.open(dir, { segmentBytes: 256, log: () => {} });
	expect(recovered.hardState).toEqual(model.hardState);
	const snap = recovered.snapshot;
	expect(snap && [snap.index, snap.term, text(snap.data)]).toEqual(
		model.snapshot && [model.snapshot.index, model.snapshot.term, text(model.snapshot.data)],
	);
	const asTriples = (list: readonly Entry[]) => list.map((e) => [e.index, e.term, text(e.data)]);
	expect(asTriples(recovered.entries)).toEqual(asTriples(model.entries));
	return wal;
}

describe("Wal against a model", () => {
	test("property: every reopen recovers exactly what was saved", async () => {
		await fc.assert(
			fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
				const made = tempDir();
				dirs.push(made);
				const model = new Model();
				let wal = (await Wal.open(made.path, { segmentBytes: 256, log: () => {} })).wal;
				let inFlight: Promise<void>[] = [];
				for (const o of ops) {
					if (o.kind === "append") {
						const from = Math.max(model.base + 1, model.last + 1 - o.back);
						if (o.bump) model.term++;
						const term = Math.max(model.term, model.termAt(from - 1) ?? 1);
						model.term = term;
						const batch: Entry[] = [];
						for (let i = 0; i < o.count; i++) {
							batch.push({
								index: from + i,
								term,
								data: bytes(`${from + i}@${term}#${model.serial++}`),
							});
						}
						model.entries = [...model.entries.slice(0, from - model.base - 1), ...batch];
						inFlight.push(wal.save(undefined, batch));
					} else if (o.kind === "hard") {
						if (o.bump) model.term++;
						const commit = Math.min(model.last, (model.hardState?.commit ?? 0) + o.commitStep);
						const hs = {
							term: model.term,
							vote: model.term % 3,
							commit: Math.max(commit, model.hardState?.commit ?? 0),
						};
						model.hardState = hs;
						inFlight.push(wal.save(hs, []));
					} else if (o.kind === "snapshot") {
						await Promise.all(inFlight);
						inFlight = [];
						let index: number;
						let term: number;
						if (o.agree && model.last > model.base) {
							index = Math.max(model.base + 1, model.last - o.back);
							term = model.termAt(index) as number;
							model.entries = model.entries.slice(index - model.base);
						} else {
							index = model.last + 1 + o.beyond;
							model.term++;
							term = model.term;
							model.entries = [];
						}
						model.snapshot = { index, term, data: bytes(`snap ${index}@${term}`) };
						await wal.saveSnapshot(model.snapshot);
					} else if (o.kind === "torn") {
						await Promise.all(inFlight);
						inFlight = [];
						await wal.close();
						const record = encodeRecords([
							{
								type: "entry",
								entry: { index: model.last + 1, term: model.term, data: bytes("torn") },
							},
						]);
						const last = readdirSync(made.path)
							.filter((n) => n.endsWith(".log"))
							.sort()
							.at(-1) as string;
						appendFileSync(
							join(made.path, last),
							record.subarray(0, 1 + (o.keep % (record.byteLength - 1))),
						);
						wal = await check(made.path, model);
					} else {
						await Promise.all(inFlight);
						inFlight = [];
						await wal.close();
						wal = await check(made.path, model);
					}
				}
				await Promise.all(inFlight);
				await wal.close();
				await (await check(made.path, model)).close();
			}),
			{ numRuns: 40 },
		);
	});
});
