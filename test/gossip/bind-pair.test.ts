import { describe, expect, test } from "bun:test";
import { bindPortPair, PICKED_PORT_ATTEMPTS } from "../../cluster/gossip/bind-pair.ts";
import { GossipNode } from "../../cluster/gossip/gossip-node.ts";
import { MemoryLogger } from "../../cluster/transport/log.ts";

/** TCP listeners handing out the given port numbers in turn, recording which were stopped. */
function fakeTcp(ports: number[]) {
	const stopped: number[] = [];
	let next = 0;
	return {
		stopped,
		listenTcp: (requested: number) => {
			const port = requested === 0 ? (ports[next++] ?? -1) : requested;
			return { port, stop: () => stopped.push(port) };
		},
	};
}

const inUse = (port: number) => new Error(`Failed to bind socket to port ${port}: EADDRINUSE`);

describe("bindPortPair", () => {
	test("a picked port whose UDP number is taken is given back and another one is tried", async () => {
		const tcp = fakeTcp([4001, 4002, 4003]);
		const taken = new Set([4001, 4002]);
		const pair = await bindPortPair(0, {
			listenTcp: tcp.listenTcp,
			bindUdp: async (port) => {
				if (taken.has(port)) throw inUse(port);
				return { udpPort: port };
			},
		});
		expect(pair.tcp.port).toBe(4003);
		expect(pair.udp).toEqual({ udpPort: 4003 });
		expect(tcp.stopped).toEqual([4001, 4002]);
	});

	test("after every attempt fails, the error names the attempts and the cause, and no listener is left", async () => {
		const ports = Array.from({ length: PICKED_PORT_ATTEMPTS }, (_, i) => 5000 + i);
		const tcp = fakeTcp(ports);
		const failing = bindPortPair(0, {
			listenTcp: tcp.listenTcp,
			bindUdp: async (port) => {
				throw inUse(port);
			},
		});
		await expect(failing).rejects.toThrow(
			`could not bind UDP beside its TCP listener (${PICKED_PORT_ATTEMPTS} picked ports): Failed to bind socket to port 5007`,
		);
		expect(tcp.stopped).toEqual(ports);
	});

	test("a port the operator named is tried once: another number would not be the advertised one", async () => {
		const tcp = fakeTcp([]);
		let udpAttempts = 0;
		const failing = bindPortPair(7946, {
			listenTcp: tcp.listenTcp,
			bindUdp: async (port) => {
				udpAttempts++;
				throw inUse(port);
			},
		});
		await expect(failing).rejects.toThrow("(port 7946)");
		expect(udpAttempts).toBe(1);
		expect(tcp.stopped).toEqual([7946]);
	});

	test("a TCP port that cannot be listened on is named in the error, and UDP is not tried", async () => {
		let udpAttempts = 0;
		const failing = bindPortPair(7946, {
			listenTcp: () => {
				throw new Error("Failed to listen at 127.0.0.1");
			},
			bindUdp: async () => {
				udpAttempts++;
				return {};
			},
		});
		await expect(failing).rejects.toThrow(
			"gossip could not listen for TCP (port 7946): Failed to listen at 127.0.0.1",
		);
		expect(udpAttempts).toBe(0);
	});
});

/**
 * A UDP socket on a port whose TCP number is free: the two numbers are separate spaces, and
 * with other tests listening at the same time a port picked for UDP can be taken for TCP.
 */
async function udpSquatterWithTcpFree(): Promise<{ readonly port: number; close(): void }> {
	for (let attempt = 0; attempt < 20; attempt++) {
		const squatter = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
		try {
			Bun.listen({ hostname: "127.0.0.1", port: squatter.port, socket: { data() {} } }).stop(true);
			return squatter;
		} catch {
			squatter.close();
		}
	}
	throw new Error("no port free for TCP beside a UDP one in 20 tries");
}

describe("GossipNode on a named port whose UDP number is taken", () => {
	test("start fails with a clear error and frees the TCP port it had taken", async () => {
		const squatter = await udpSquatterWithTcpFree();
		const port = squatter.port;
		try {
			const start = GossipNode.start({
				id: 1,
				host: "127.0.0.1",
				port,
				meta: { role: "pop", pop: "fra1", edgeAddress: "127.0.0.1:8001", raftAddress: "" },
				logger: new MemoryLogger(),
			});
			await expect(start).rejects.toThrow(`(port ${port})`);
			// The TCP listener of the failed start was stopped: the port can be listened on again.
			const again = Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } });
			expect(again.port).toBe(port);
			again.stop(true);
		} finally {
			squatter.close();
		}
	});
});
