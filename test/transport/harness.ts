/**
 * Helpers for transport tests over loopback: a sample message schema, nodes on OS-chosen
 * ports wired to each other, an event recorder to await, and a raw socket to misbehave with.
 */
import type { Socket } from "bun";
import * as v from "valibot";
import type { ClusterSecret } from "../../cluster/transport/cluster-secret.ts";
import type { PayloadCodec } from "../../cluster/transport/codec.ts";
import type { TransportEvent } from "../../cluster/transport/events.ts";
import type { TransportLimitsInput } from "../../cluster/transport/limits.ts";
import { MemoryLogger } from "../../cluster/transport/log.ts";
import type { PeerTls } from "../../cluster/transport/peer-tls.ts";
import { type NodeId, NodeIdSchema } from "../../cluster/transport/peers.ts";
import { Transport } from "../../cluster/transport/transport.ts";
import type { Timers } from "../../edge/lock/timers.ts";

/** A Raft-like message: enough shape to show validation and bytes on the wire. */
export const SampleSchema = v.strictObject({
	from: NodeIdSchema,
	to: NodeIdSchema,
	type: v.picklist(["append", "append-reply", "vote", "vote-reply"]),
	term: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
	entries: v.array(
		v.strictObject({
			index: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
			term: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
			data: v.instance(Uint8Array),
		}),
	),
});
export type Sample = v.InferOutput<typeof SampleSchema>;

export function sample(from: NodeId, to: NodeId, term: number, bytes: number[] = []): Sample {
	return {
		from,
		to,
		type: "append",
		term,
		entries: bytes.length === 0 ? [] : [{ index: term, term, data: new Uint8Array(bytes) }],
	};
}

export interface TestNode {
	readonly id: NodeId;
	readonly transport: Transport<Sample>;
	readonly received: { from: NodeId; message: Sample }[];
	readonly events: EventRecorder;
	readonly log: MemoryLogger;
}

export interface NodeOptions {
	readonly port?: number;
	readonly limits?: TransportLimitsInput;
	readonly timers?: Timers;
	readonly random?: () => number;
	readonly codec?: PayloadCodec;
	readonly secret?: ClusterSecret;
	readonly tls?: PeerTls;
}

export function startNode(id: NodeId, options: NodeOptions = {}): TestNode {
	const received: { from: NodeId; message: Sample }[] = [];
	const log = new MemoryLogger();
	const transport = Transport.start({
		self: id,
		listen: { host: "127.0.0.1", port: options.port ?? 0 },
		peers: new Map(),
		schema: SampleSchema,
		onMessage: (from, message) => received.push({ from, message }),
		log,
		...(options.limits === undefined ? {} : { limits: options.limits }),
		...(options.timers === undefined ? {} : { timers: options.timers }),
		...(options.random === undefined ? {} : { random: options.random }),
		...(options.codec === undefined ? {} : { codec: options.codec }),
		...(options.secret === undefined ? {} : { secret: options.secret }),
		...(options.tls === undefined ? {} : { tls: options.tls }),
	});
	return { id, transport, received, events: new EventRecorder(transport), log };
}

/** Tells every node where every other one listens (ports are known only once bound). */
export function connectAll(nodes: readonly TestNode[]): void {
	for (const node of nodes) {
		for (const other of nodes) {
			if (other !== node) {
				node.transport.setPeer(other.id, { host: "127.0.0.1", port: other.transport.port });
			}
		}
	}
}

const DEADLINE_MS = 5_000;

/** Polls `condition` on the event loop until true, failing after a deadline. */
export async function until(condition: () => boolean, what: string, deadlineMs = DEADLINE_MS) {
	const end = Date.now() + deadlineMs;
	while (!condition()) {
		if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 2));
	}
}

/** Every event a transport reported, and a way to await the next matching one. */
export class EventRecorder {
	readonly all: TransportEvent[] = [];

	constructor(transport: Transport<Sample>) {
		transport.subscribe((event) => this.all.push(event));
	}

	/** The first event at or after index `from` that matches, awaited with a deadline. */
	async next<E extends TransportEvent>(
		match: (event: TransportEvent) => event is E,
		from = 0,
	): Promise<E> {
		let found: E | undefined;
		await until(() => {
			found = this.all.slice(from).find(match);
			return found !== undefined;
		}, "a transport event");
		return found as E;
	}
}

export const isType =
	<K extends TransportEvent["type"]>(type: K) =>
	(event: TransportEvent): event is Extract<TransportEvent, { type: K }> =>
		event.type === type;

/** A nonce for hand-made hellos and welcomes (32 bytes as lowercase hex). */
export const TEST_NONCE = "ab".repeat(32);

/** A bare TCP client, to send what a transport never would. */
export async function rawClient(port: number) {
	let closed!: () => void;
	const whenClosed = new Promise<void>((resolve) => {
		closed = resolve;
	});
	const received: Uint8Array[] = [];
	const socket: Socket<undefined> = await Bun.connect({
		hostname: "127.0.0.1",
		port,
		socket: {
			data: (_s, chunk) => {
				received.push(new Uint8Array(chunk));
			},
			close: () => closed(),
			error: () => closed(),
		},
	});
	return { socket, whenClosed, received };
}
