/**
 * What the gossip adapter sends, and the schemas every received item and push-pull state
 * passes before anything is merged. Items are plain JSON.
 *
 *   { t: "d", key, kind, state }   a delta or a key's full state (a delta is a state)
 *   { t: "upto", seq }             this batch holds every change of the sender below seq
 *   { t: "ack", seq }              the receiver has every change of ours below seq
 *
 * A push-pull state is `{ v: 1, digests: [{ key, kind, digest }] }`.
 */
import * as v from "valibot";
import { type CrdtKind, type Kinded, kindSchema, kinds } from "./kinds.ts";
import { countSchema } from "./replica.ts";
import { type KeyDigest, MAX_KEY_LENGTH } from "./store.ts";

/** Items one batch may hold, digests one push-pull state may hold. */
export const MAX_ITEMS = 10_000;
export const MAX_DIGESTS = 100_000;

const keySchema = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_KEY_LENGTH));

export const itemSchema = v.variant("t", [
	v.strictObject({ t: v.literal("d"), key: keySchema, kind: kindSchema, state: v.unknown() }),
	v.strictObject({ t: v.literal("upto"), seq: countSchema }),
	v.strictObject({ t: v.literal("ack"), seq: countSchema }),
]);

export type WireItem =
	| ({ readonly t: "d"; readonly key: string } & Kinded)
	| { readonly t: "upto"; readonly seq: number }
	| { readonly t: "ack"; readonly seq: number };

export type ParsedItem = { ok: true; item: WireItem } | { ok: false; reason: string };

function describe(issues: readonly v.BaseIssue<unknown>[]): string {
	return issues
		.slice(0, 3)
		.map((i) => `${v.getDotPath(i) ?? "item"}: ${i.message}`)
		.join("; ");
}

/** One received item, checked all the way down (a state against its kind's schema). */
export function parseItem(raw: unknown): ParsedItem {
	const outer = v.safeParse(itemSchema, raw);
	if (!outer.success) return { ok: false, reason: describe(outer.issues) };
	const item = outer.output;
	if (item.t !== "d") return { ok: true, item };
	const state = v.safeParse(kinds[item.kind].schema as v.GenericSchema<unknown>, item.state);
	if (!state.success)
		return { ok: false, reason: `${item.kind} ${item.key}: ${describe(state.issues)}` };
	return {
		ok: true,
		item: { t: "d", key: item.key, kind: item.kind, state: state.output } as WireItem,
	};
}

const rawDigestsSchema = v.strictObject({
	v: v.literal(1),
	digests: v.pipe(
		v.array(v.strictObject({ key: keySchema, kind: kindSchema, digest: v.unknown() })),
		v.maxLength(MAX_DIGESTS),
	),
});

export interface PushPullState {
	readonly v: 1;
	readonly digests: readonly KeyDigest[];
}

/** A peer's push-pull state, each digest checked against its kind's digest schema. */
export function parsePushPull(
	raw: unknown,
): { ok: true; state: PushPullState } | { ok: false; reason: string } {
	const outer = v.safeParse(rawDigestsSchema, raw);
	if (!outer.success) return { ok: false, reason: describe(outer.issues) };
	const digests: KeyDigest[] = [];
	for (const d of outer.output.digests) {
		const parsed = v.safeParse(
			kinds[d.kind as CrdtKind].digestSchema as v.GenericSchema<unknown>,
			d.digest,
		);
		if (!parsed.success)
			return { ok: false, reason: `digest of ${d.key}: ${describe(parsed.issues)}` };
		digests.push({ key: d.key, kind: d.kind, digest: parsed.output } as KeyDigest);
	}
	return { ok: true, state: { v: 1, digests } };
}
