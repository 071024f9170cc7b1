/**
 * The Raft transport over TLS (cluster/transport/peer-tls.ts), over loopback: nodes whose
 * certificates chain to the CA they trust connect and messages flow both ways; a peer whose
 * certificate another CA signed, or one that names another host, is refused by the dialler
 * (tls-refused, counted and logged, never up); a plaintext dialler gets nothing from a TLS
 * listener. Certificates are made with the openssl CLI, as the HTTPS tests' are.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PeerTls } from "../../cluster/transport/peer-tls.ts";
import { ManualTimers } from "../../edge/lock/timers.ts";
import { connectAll, isType, sample, startNode, type TestNode, until } from "./harness.ts";

const dir = mkdtempSync(join(tmpdir(), "neuro-peer-tls-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function openssl(args: readonly string[]): void {
	const made = Bun.spawnSync(["openssl", ...args], { stdout: "ignore", stderr: "pipe" });
	if (made.exitCode !== 0) throw new Error(`openssl failed: ${made.stderr.toString()}`);
}

/** A CA, and a node certificate it signs for `ip`. */
function authority(name: string) {
	const caKey = join(dir, `${name}-ca.key`);
	const caCert = join(dir, `${name}-ca.crt`);
	openssl([
		...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
		...["-days", "1", "-subj", `/CN=${name} CA`, "-keyout", caKey, "-out", caCert],
	]);
	const issue = (node: string, ip: string): PeerTls => {
		const key = join(dir, `${name}-${node}.key`);
		const csr = join(dir, `${name}-${node}.csr`);
		const cert = join(dir, `${name}-${node}.crt`);
		const ext = join(dir, `${name}-${node}.ext`);
		writeFileSync(ext, `subjectAltName=IP:${ip}\n`);
		openssl([
			...["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
			...["-subj", `/CN=${node}`, "-keyout", key, "-out", csr],
		]);
		openssl([
			...["x509", "-req", "-in", csr, "-CA", caCert, "-CAkey", caKey, "-CAcreateserial"],
			...["-days", "1", "-extfile", ext, "-out", cert],
		]);
		return {
			cert: readFileSync(cert, "utf8"),
			key: readFileSync(key, "utf8"),
			ca: readFileSync(caCert, "utf8"),
		};
	};
	return { issue };
}

const ours = authority("ours");
const theirs = authority("theirs");

const nodes: TestNode[] = [];
afterEach(() => {
	for (const n of nodes.splice(0)) n.transport.close();
});

function pair(tlsOf1: PeerTls | undefined, tlsOf2: PeerTls | undefined) {
	const timers = new ManualTimers();
	const a = startNode(1, { timers, ...(tlsOf1 ? { tls: tlsOf1 } : {}) });
	const b = startNode(2, { timers, ...(tlsOf2 ? { tls: tlsOf2 } : {}) });
	nodes.push(a, b);
	connectAll([a, b]);
	return { a, b };
}

describe("the Raft transport over TLS", () => {
	test("certificates from the trusted CA: the peers come up and messages flow both ways", async () => {
		const { a, b } = pair(ours.issue("n1", "127.0.0.1"), ours.issue("n2", "127.0.0.1"));
		a.transport.send(2, sample(1, 2, 1, [1, 2, 3]));
		await until(() => b.received.length === 1, "node 2 receiving");
		expect(b.received[0]?.message.entries[0]?.data).toEqual(new Uint8Array([1, 2, 3]));
		b.transport.send(1, sample(2, 1, 1));
		await until(() => a.received.length === 1, "node 1 receiving");
		for (const node of [a, b]) expect(node.transport.stats().rejected).toEqual({});
	});

	test("a listener whose certificate another CA signed is refused by the dialler", async () => {
		const { a, b } = pair(ours.issue("n1", "127.0.0.1"), theirs.issue("n2", "127.0.0.1"));
		a.transport.send(2, sample(1, 2, 1));
		const down = await a.events.next(isType("peer-down"));
		expect(down.wasUp).toBe(false);
		expect(down.reason.kind).toBe("tls-refused");
		expect(a.transport.stats().rejected).toEqual({ "tls-refused": 1 });
		expect(a.log.at("warn")[0]).toStartWith("closing link to node 2: TLS refused the peer:");
		expect(b.received).toEqual([]);
	});

	test("a listener whose certificate names another address is refused", async () => {
		const { a, b } = pair(ours.issue("n1", "127.0.0.1"), ours.issue("n2", "10.9.9.9"));
		a.transport.send(2, sample(1, 2, 1));
		const down = await a.events.next(isType("peer-down"));
		expect(down.reason).toEqual({
			kind: "tls-refused",
			message: expect.stringContaining("127.0.0.1"),
		});
		expect(b.received).toEqual([]);
	});

	test("a plaintext dialler gets nothing through to a TLS listener", async () => {
		const { a, b } = pair(undefined, ours.issue("n2", "127.0.0.1"));
		a.transport.send(2, sample(1, 2, 1));
		const down = await a.events.next(isType("peer-down"));
		expect(down.wasUp).toBe(false);
		expect(b.received).toEqual([]);
		expect(a.transport.stats().peers.get(2)?.ups).toBe(0);
	});
});
