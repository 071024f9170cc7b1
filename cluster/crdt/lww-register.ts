/**
 * LWW-Register: the write with the greatest stamp wins. A stamp is an HLC timestamp plus
 * the writing replica's id, which breaks ties between replicas that stamped the same
 * (wall, logical). The empty register is `null`. A delta is a register holding one write.
 * Pure: the caller takes the timestamp from its HybridClock.
 */
import * as v from "valibot";
import { compareHlc, type HlcTimestamp, hlcTimestampSchema } from "./hlc.ts";
import { compareJson, type JsonValue, jsonValueSchema } from "./json-value.ts";
import { type ReplicaId, replicaIdSchema } from "./replica.ts";

export interface LwwStamp extends HlcTimestamp {
	readonly replica: ReplicaId;
}

export interface LwwWrite {
	readonly stamp: LwwStamp;
	readonly value: JsonValue;
}

export type LwwRegister = LwwWrite | null;

export const lwwStampSchema = v.strictObject({
	...hlcTimestampSchema.entries,
	replica: replicaIdSchema,
});

export const lwwRegisterSchema = v.nullable(
	v.strictObject({ stamp: lwwStampSchema, value: jsonValueSchema }),
);

export function compareStamps(a: LwwStamp, b: LwwStamp): number {
	const byTime = compareHlc(a, b);
	if (byTime !== 0) return byTime;
	return a.replica < b.replica ? -1 : a.replica > b.replica ? 1 : 0;
}

/** Orders whole writes; equal stamps with different values (never issued by one HLC) by value. */
function compareWrites(a: LwwWrite, b: LwwWrite): number {
	return compareStamps(a.stamp, b.stamp) || compareJson(a.value, b.value);
}

export function lwwBottom(): LwwRegister {
	return null;
}

export function lwwSet(stamp: LwwStamp, value: JsonValue): LwwRegister {
	return { stamp, value };
}

export function lwwJoin(a: LwwRegister, b: LwwRegister): LwwRegister {
	if (a === null) return b;
	if (b === null) return a;
	return compareWrites(a, b) >= 0 ? a : b;
}

export function lwwLeq(a: LwwRegister, b: LwwRegister): boolean {
	if (a === null) return true;
	if (b === null) return false;
	return compareWrites(a, b) <= 0;
}

export function lwwValue(state: LwwRegister): JsonValue | undefined {
	return state === null ? undefined : state.value;
}
