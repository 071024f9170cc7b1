/**
 * valibot schemas for everything gossip reads from the network. Every bound is here, so a
 * packet that passes is small enough to handle: ids and numbers are safe integers, strings
 * and lists have maximum lengths. Application items stay `unknown`: the app validates them.
 */
import * as v from "valibot";
import { HOST_PORT } from "../../edge/http/host-port.ts";

/** Most updates one packet may carry (a 1400-byte datagram holds far fewer). */
export const UPDATES_PER_PACKET_MAX = 64;
/** Most application items one packet may carry. */
export const APP_ITEMS_PER_PACKET_MAX = 256;
/** Most members a push-pull state may list. */
export const MEMBERS_MAX = 10_000;

const NodeIdSchema = v.pipe(v.number(), v.safeInteger(), v.minValue(1));
const CounterSchema = v.pipe(v.number(), v.safeInteger(), v.minValue(0));

/** host:port (or [v6]:port); a gossip address always names a real port. */
export const AddressSchema = v.pipe(
	v.string(),
	v.maxLength(262),
	v.regex(HOST_PORT, "expected host:port"),
	v.check((text) => {
		const port = Number(text.slice(text.lastIndexOf(":") + 1));
		return port >= 1 && port <= 65_535;
	}, "port must be 1..65535"),
);
/** An address a member may leave empty (it serves no edge, runs no Raft). */
const OptionalAddressSchema = v.union([v.literal(""), AddressSchema]);

export const NodeMetaSchema = v.strictObject({
	role: v.picklist(["control", "pop"]),
	pop: v.pipe(v.string(), v.maxLength(64), v.regex(/^[a-z0-9-]*$/, "a POP name is [a-z0-9-]")),
	edgeAddress: OptionalAddressSchema,
	raftAddress: OptionalAddressSchema,
});

export const UpdateSchema = v.variant("t", [
	v.strictObject({
		t: v.literal("alive"),
		id: NodeIdSchema,
		address: AddressSchema,
		inc: CounterSchema,
		meta: NodeMetaSchema,
	}),
	v.strictObject({
		t: v.literal("suspect"),
		id: NodeIdSchema,
		inc: CounterSchema,
		by: NodeIdSchema,
	}),
	v.strictObject({ t: v.literal("dead"), id: NodeIdSchema, inc: CounterSchema, by: NodeIdSchema }),
	v.strictObject({ t: v.literal("left"), id: NodeIdSchema, inc: CounterSchema }),
]);

export const ProbeMessageSchema = v.variant("t", [
	v.strictObject({ t: v.literal("ping"), seq: CounterSchema, target: NodeIdSchema }),
	v.strictObject({
		t: v.literal("pingReq"),
		seq: CounterSchema,
		target: NodeIdSchema,
		targetAddress: AddressSchema,
	}),
	v.strictObject({ t: v.literal("ack"), seq: CounterSchema }),
	v.strictObject({ t: v.literal("nack"), seq: CounterSchema }),
]);

export const PacketSchema = v.strictObject({
	from: NodeIdSchema,
	msg: ProbeMessageSchema,
	updates: v.pipe(v.array(UpdateSchema), v.maxLength(UPDATES_PER_PACKET_MAX)),
	app: v.pipe(v.array(v.unknown()), v.maxLength(APP_ITEMS_PER_PACKET_MAX)),
});

export const MemberRecordSchema = v.strictObject({
	id: NodeIdSchema,
	address: AddressSchema,
	inc: CounterSchema,
	state: v.picklist(["alive", "suspect", "dead", "left"]),
	meta: NodeMetaSchema,
});

export const PushPullStateSchema = v.strictObject({
	from: NodeIdSchema,
	address: AddressSchema,
	members: v.pipe(v.array(MemberRecordSchema), v.maxLength(MEMBERS_MAX)),
	app: v.optional(v.unknown()),
});
