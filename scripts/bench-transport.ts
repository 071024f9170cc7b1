/**
 * Messages per second through cluster/transport between two transports on loopback, 100
 * bytes of entry data each, against a baseline in the same run: the same frame bytes
 * written with Bun.connect and only counted on arrival (no superjson, no schema, no
 * handshake). The ratio is what the transport's work costs on top of the socket.
 *
 *   bun run scripts/bench-transport.ts        (or: npm run bench:transport)
 */
import type { Socket } from "bun";
import { Bench } from "tinybench";
import { decodePayload, encodePayload } from "../cluster/transport/codec.ts";
import { encodeFrame } from "../cluster/transport/frame.ts";
import { stderrLogger } from "../cluster/transport/log.ts";
import { Transport } from "../cluster/transport/transport.ts";
import { WriteBuffer } from "../cluster/transport/write-buffer.ts";
import { formatOps, opsPerSecond, progress, runBench } from "../test/bench/report.ts";
import { type Sample, SampleSchema } from "../test/transport/harness.ts";

/** Messages per timed iteration: each iteration sends them all and awaits the last. */
const BATCH = 1_000;
const DATA_BYTES = 100;
const host = "127.0.0.1";

const message: Sample = {
	from: 1,
	to: 2,
	type: "append",
	term: 7,
	entries: [{ index: 1, term: 7, data: new Uint8Array(DATA_BYTES).fill(0x5a) }],
};
const frame = encodeFrame(encodePayload(message));

/** Resolves once `count()` reaches `target`; `poke()` is called on every arrival. */
function arrivals(count: () => number) {
	let waiting: { target: number; resolve: () => void } | undefined;
	return {
		poke() {
			if (waiting !== undefined && count() >= waiting.target) {
				const { resolve } = waiting;
				waiting = undefined;
				resolve();
			}
		},
		until(target: number): Promise<void> {
			if (count() >= target) return Promise.resolve();
			return new Promise((resolve) => {
				waiting = { target, resolve };
			});
		},
	};
}

async function transportPair() {
	let received = 0;
	const arrived = arrivals(() => received);
	const log = stderrLogger("warn", "bench");
	const receiver = Transport.start({
		self: 2,
		listen: { host, port: 0 },
		peers: new Map([[1, { host, port: 1 }]]),
		schema: SampleSchema,
		log,
		onMessage: () => {
			received += 1;
			arrived.poke();
		},
	});
	const sender = Transport.start({
		self: 1,
		listen: { host, port: 0 },
		peers: new Map([[2, { host, port: receiver.port }]]),
		schema: SampleSchema,
		log,
		onMessage: () => {},
	});
	sender.send(2, message);
	await arrived.until(1);
	let sent = 1;
	return {
		async batch() {
			for (let i = 0; i < BATCH; i++) {
				const outcome = sender.send(2, message);
				if (!outcome.sent) throw new Error(`a send was dropped: ${outcome.dropped}`);
			}
			sent += BATCH;
			await arrived.until(sent);
		},
		close() {
			sender.close();
			receiver.close();
		},
	};
}

async function rawPair() {
	let receivedBytes = 0;
	const arrived = arrivals(() => receivedBytes);
	const listener = Bun.listen({
		hostname: host,
		port: 0,
		socket: {
			data: (_socket, chunk) => {
				receivedBytes += chunk.byteLength;
				arrived.poke();
			},
		},
	});
	const out = new WriteBuffer();
	const socket: Socket<undefined> = await Bun.connect({
		hostname: host,
		port: listener.port,
		socket: { data: () => {}, drain: (s) => void out.flush(s) },
	});
	let sentBytes = 0;
	return {
		async batch() {
			for (let i = 0; i < BATCH; i++) out.write(socket, frame);
			sentBytes += BATCH * frame.byteLength;
			await arrived.until(sentBytes);
		},
		close() {
			socket.end();
			listener.stop(true);
		},
	};
}

const transport = await transportPair();
const raw = await rawPair();
progress(
	`frame of ${frame.byteLength} bytes (${DATA_BYTES} bytes of entry data), ${BATCH} per iteration`,
);
const bench = new Bench({ time: 2_000, warmupTime: 300 });
bench.add("raw Bun.connect writes (baseline)", () => raw.batch());
bench.add("cluster/transport send -> onMessage", () => transport.batch());
// The codec alone, without sockets: where a message's time goes.
const payload = frame.subarray(4);
bench.add("encodePayload (superjson)", () => {
	for (let i = 0; i < BATCH; i++) encodePayload(message);
});
bench.add("decodePayload (superjson + valibot)", () => {
	for (let i = 0; i < BATCH; i++) decodePayload(payload, SampleSchema);
});
await runBench(bench, "transport messages over loopback");
const [rawOps, ours, encodes, decodes] = [0, 1, 2, 3].map((i) =>
	opsPerSecond(bench.tasks[i], BATCH),
);
console.log(
	`codec alone: encode ${formatOps(encodes ?? 0)}, decode+validate ${formatOps(decodes ?? 0)}`,
);
console.log(
	`messages/s: transport ${formatOps(ours ?? 0)}, raw socket ${formatOps(rawOps ?? 0)}, transport/raw ${((ours ?? 0) / (rawOps ?? 1)).toFixed(3)}x`,
);
transport.close();
raw.close();
