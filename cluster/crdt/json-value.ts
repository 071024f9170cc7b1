/**
 * Register values: any JSON value. Checked at the boundary (depth and size bounded) so a
 * peer cannot hand us a value that JSON cannot carry back out.
 */
import * as v from "valibot";

export type JsonValue =
	| null
	| boolean
	| number
	| string
	| readonly JsonValue[]
	| { readonly [key: string]: JsonValue };

/** Bytes of a register value's JSON: a value is one gossip item, so it must stay small. */
export const MAX_VALUE_BYTES = 64 * 1024;
const MAX_DEPTH = 32;

function isJson(value: unknown, depth: number): boolean {
	if (depth > MAX_DEPTH) return false;
	if (value === null || typeof value === "boolean" || typeof value === "string") return true;
	if (typeof value === "number") return Number.isFinite(value);
	if (Array.isArray(value)) return value.every((item) => isJson(item, depth + 1));
	if (typeof value === "object") {
		if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null)
			return false;
		return Object.values(value).every((item) => isJson(item, depth + 1));
	}
	return false;
}

export function isJsonValue(value: unknown): value is JsonValue {
	return isJson(value, 0) && JSON.stringify(value).length <= MAX_VALUE_BYTES;
}

export const jsonValueSchema = v.custom<JsonValue>(
	isJsonValue,
	`a JSON value (finite numbers, depth <= ${MAX_DEPTH}, <= ${MAX_VALUE_BYTES} bytes)`,
);

/** A total order on JSON values (by their JSON text): breaks ties deterministically. */
export function compareJson(a: JsonValue, b: JsonValue): number {
	const x = JSON.stringify(a);
	const y = JSON.stringify(b);
	return x < y ? -1 : x > y ? 1 : 0;
}
