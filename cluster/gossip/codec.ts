/**
 * Gossip's bytes: a version byte, then the message as UTF-8 JSON. Decoding checks the size,
 * the version, the JSON and then the schema, and returns why it refused rather than
 * throwing: a socket handler drops the packet and counts the reason (DropStats), and a
 * stranger's garbage never reaches the core.
 */
import * as v from "valibot";
import { PacketSchema, PushPullStateSchema } from "./message-schema.ts";
import type { Packet, PushPullState } from "./messages.ts";

/** The wire format this code speaks; a packet with another first byte is dropped. */
export const GOSSIP_WIRE_VERSION = 1;

/**
 * `bad-tag`: with a cluster secret, no valid tag in front (datagram-tag.ts); never parsed.
 * `busy`: a push-pull connection beyond the listener's bound (push-pull.ts), closed unread.
 */
export type DropReason =
	| "oversized"
	| "bad-tag"
	| "empty"
	| "bad-version"
	| "not-json"
	| "invalid"
	| "busy";

export type DecodeResult<T> =
	| { readonly ok: true; readonly value: T }
	| { readonly ok: false; readonly reason: DropReason; readonly detail: string };

/** Packets refused, by reason: what a node exports so garbage on its port is visible. */
export type DropStats = Record<DropReason, number>;

export function emptyDropStats(): DropStats {
	return {
		oversized: 0,
		"bad-tag": 0,
		empty: 0,
		"bad-version": 0,
		"not-json": 0,
		invalid: 0,
		busy: 0,
	};
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function encode(value: unknown): Uint8Array {
	const json = encoder.encode(JSON.stringify(value));
	const bytes = new Uint8Array(json.byteLength + 1);
	bytes[0] = GOSSIP_WIRE_VERSION;
	bytes.set(json, 1);
	return bytes;
}

/** A packet's datagram. The core keeps it within maxPacketBytes; the driver checks again. */
export function encodePacket(packet: Packet): Uint8Array {
	return encode(packet);
}

/** A push-pull state as one TCP frame's payload. */
export function encodeState(state: PushPullState): Uint8Array {
	return encode(state);
}

function decode<T>(
	bytes: Uint8Array,
	maxBytes: number,
	schema: v.GenericSchema<unknown, T>,
): DecodeResult<T> {
	if (bytes.byteLength > maxBytes) {
		return { ok: false, reason: "oversized", detail: `${bytes.byteLength} > ${maxBytes} bytes` };
	}
	if (bytes.byteLength < 2) return { ok: false, reason: "empty", detail: "no payload" };
	if (bytes[0] !== GOSSIP_WIRE_VERSION) {
		return { ok: false, reason: "bad-version", detail: `version byte ${bytes[0]}` };
	}
	let json: unknown;
	try {
		json = JSON.parse(decoder.decode(bytes.subarray(1)));
	} catch (error) {
		return { ok: false, reason: "not-json", detail: String(error).slice(0, 200) };
	}
	const parsed = v.safeParse(schema, json);
	if (!parsed.success) {
		const issues = parsed.issues.slice(0, 3).map((issue) => {
			const path = issue.path?.map((p) => String(p.key)).join(".") ?? "";
			return `${path || "(root)"}: ${issue.message}`;
		});
		return { ok: false, reason: "invalid", detail: issues.join("; ") };
	}
	return { ok: true, value: parsed.output };
}

export function decodePacket(bytes: Uint8Array, maxPacketBytes: number): DecodeResult<Packet> {
	return decode(bytes, maxPacketBytes, PacketSchema as v.GenericSchema<unknown, Packet>);
}

export function decodeState(bytes: Uint8Array, maxStateBytes: number): DecodeResult<PushPullState> {
	return decode(
		bytes,
		maxStateBytes,
		PushPullStateSchema as v.GenericSchema<unknown, PushPullState>,
	);
}

type Expect<T extends true> = T;
/** Compile-time: what the schemas let through is what the core's types promise. */
export type SchemasMatchTypes = [
	Expect<v.InferOutput<typeof PacketSchema> extends Packet ? true : false>,
	Expect<v.InferOutput<typeof PushPullStateSchema> extends PushPullState ? true : false>,
];
