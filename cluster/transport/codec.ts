/**
 * Message payloads: superjson text by default (or plain JSON, `jsonCodec`, for callers whose
 * messages are plain data), UTF-8 encoded, validated on the way in with a schema the caller
 * supplies. Nothing decoded from the wire reaches a consumer unvalidated, whatever the codec.
 */
import { SuperJSON } from "superjson";
import * as v from "valibot";

/**
 * Why a payload was refused. `schema` carries valibot's issues, flattened to one line each,
 * so a log line says which field was wrong without dumping the message.
 */
export type PayloadError =
	| { readonly kind: "undecodable"; readonly detail: string }
	| { readonly kind: "schema"; readonly issues: readonly string[] };

export function describePayloadError(error: PayloadError): string {
	switch (error.kind) {
		case "undecodable":
			return `undecodable payload: ${error.detail}`;
		case "schema":
			return `payload fails the schema: ${error.issues.join("; ")}`;
	}
}

export type Decoded<T> =
	| { readonly ok: true; readonly value: T }
	| { readonly ok: false; readonly error: PayloadError };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * superjson's own typed-array rule writes bytes as a JSON array of numbers (about 3.6
 * characters a byte) and names the constructor, so a Node/Bun `Buffer` (a Uint8Array
 * subclass) serializes as "Buffer" and then fails to deserialize. Raft entries carry bytes,
 * so every Uint8Array, Buffer included, travels as base64 and comes back as a Uint8Array.
 * Custom transformers are tried before the typed-array rule.
 */
function makeSerializer(): SuperJSON {
	const serializer = new SuperJSON();
	serializer.registerCustom<Uint8Array, string>(
		{
			isApplicable: (value): value is Uint8Array => value instanceof Uint8Array,
			serialize: (bytes) =>
				Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64"),
			deserialize: (text) => {
				// Buffer.from skips characters that are not base64; a peer's typo must not
				// turn into different bytes.
				if (typeof text !== "string" || !BASE64.test(text)) {
					throw new TypeError("bytes are not canonical base64");
				}
				const decoded = Buffer.from(text, "base64");
				return new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength);
			},
		},
		"u8",
	);
	return serializer;
}

const serializer = makeSerializer();
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * How messages become payload bytes and back (before the schema check). Both ends of a
 * link must use the same one; a payload in the other's form fails to parse or fails the
 * schema, and closes the connection like any bad input.
 */
export interface PayloadCodec {
	readonly name: string;
	encode(message: unknown): Uint8Array;
	/** The value the bytes carry; throws if they are not this codec's form. */
	parse(bytes: Uint8Array): unknown;
}

/** superjson: undefined, Dates, Maps and Sets survive; slow (walks every value twice). */
export const superjsonCodec: PayloadCodec = {
	name: "superjson",
	encode: (message) => encoder.encode(serializer.stringify(message)),
	parse(bytes) {
		const envelope: unknown = JSON.parse(decoder.decode(bytes));
		if (typeof envelope !== "object" || envelope === null || !("json" in envelope)) {
			throw new TypeError("not a superjson envelope");
		}
		const meta = "meta" in envelope ? envelope.meta : undefined;
		if (hasTypedArrayAnnotation(meta)) {
			throw new TypeError("typed arrays must travel as base64 (u8)");
		}
		return serializer.deserialize(envelope as Parameters<SuperJSON["deserialize"]>[0]);
	},
};

const U8_TAG = "$u8";

/**
 * Plain JSON, several times faster than superjson (measured 8x on a 64-entry Raft append):
 * for messages of plain data (numbers, strings, booleans, null, arrays, objects), where an
 * absent field and an undefined one mean the same. A Uint8Array travels as
 * `{"$u8": base64}` and comes back as a Uint8Array (canonical base64 only).
 */
export const jsonCodec: PayloadCodec = {
	name: "json",
	encode: (message) => encoder.encode(JSON.stringify(message, tagBytes)),
	parse(bytes) {
		const text = decoder.decode(bytes);
		// The reviver costs a call per value: only pay for it when a tag may be there.
		return text.includes(`"${U8_TAG}"`) ? JSON.parse(text, untagBytes) : JSON.parse(text);
	},
};

function tagBytes(_key: string, value: unknown): unknown {
	if (!(value instanceof Uint8Array)) return value;
	return {
		[U8_TAG]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64"),
	};
}

function untagBytes(_key: string, value: unknown): unknown {
	if (typeof value !== "object" || value === null || !(U8_TAG in value)) return value;
	const keys = Object.keys(value);
	const text = (value as Record<string, unknown>)[U8_TAG];
	if (keys.length !== 1) return value;
	if (typeof text !== "string" || !BASE64.test(text)) {
		throw new TypeError("bytes are not canonical base64");
	}
	const decoded = Buffer.from(text, "base64");
	return new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength);
}

/** A message as payload bytes. */
export function encodePayload(message: unknown, codec: PayloadCodec = superjsonCodec): Uint8Array {
	return codec.encode(message);
}

/** Payload bytes back to a message, refused unless `schema` accepts it. */
export function decodePayload<T>(
	bytes: Uint8Array,
	schema: v.GenericSchema<unknown, T>,
	codec: PayloadCodec = superjsonCodec,
): Decoded<T> {
	let raw: unknown;
	try {
		raw = codec.parse(bytes);
	} catch (error) {
		return { ok: false, error: { kind: "undecodable", detail: messageOf(error) } };
	}
	const result = v.safeParse(schema, raw);
	if (result.success) return { ok: true, value: result.output };
	return { ok: false, error: { kind: "schema", issues: result.issues.map(describeIssue) } };
}

/**
 * superjson would still accept its own typed-array form from a peer, and that form wraps
 * out-of-range numbers (300 becomes 44) instead of failing. Its annotations are arrays whose
 * first element is "typed-array"; the walk is iterative so a deeply nested meta cannot
 * exhaust the stack.
 */
function hasTypedArrayAnnotation(meta: unknown): boolean {
	const stack: unknown[] = [meta];
	for (let node = stack.pop(); stack.length > 0 || node !== undefined; node = stack.pop()) {
		if (typeof node !== "object" || node === null) continue;
		if (Array.isArray(node)) {
			if (node[0] === "typed-array") return true;
			for (const item of node) stack.push(item);
		} else {
			for (const item of Object.values(node)) stack.push(item);
		}
	}
	return false;
}

function describeIssue(issue: v.BaseIssue<unknown>): string {
	const path = v.getDotPath(issue);
	return path === null ? issue.message : `${path}: ${issue.message}`;
}

function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
