/**
 * node.ts over TLS with --http2 --http3 (edge/runtime/bun.ts), as a real process against
 * the demo origin, plus the refusals of bad TLS files (cluster/node/tls-files.ts).
 * Bun's HTTP/3 client ignores a custom CA, so the h3 fetch skips verification; the h1 and
 * h2 fetches verify against the test's own certificate.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FlagError } from "../../cluster/node/flags.ts";
import { loadTlsFiles } from "../../cluster/node/tls-files.ts";
import { NODE_ENTRY, type NodeProcess, runToEnd, startNode } from "./node-process.ts";
import { makeSelfSignedCert, type TestCert } from "./tls-certs.ts";

let cert: TestCert;
let other: TestCert;
let node: NodeProcess;

beforeAll(async () => {
	cert = makeSelfSignedCert();
	other = makeSelfSignedCert("other");
	const args = ["--port", "0", "--memory-mb", "8", "--tls-cert", cert.certPath];
	node = await startNode(
		[process.execPath, NODE_ENTRY],
		[...args, "--tls-key", cert.keyPath, "--http2", "--http3"],
	);
});

afterAll(() => {
	node?.kill();
	for (const made of [cert, other]) if (made) rmSync(made.dir, { recursive: true, force: true });
});

/** UDP sockets bound to this port (Linux's /proc/net/udp and udp6): QUIC listens there. */
function udpSockets(port: number): number {
	const suffix = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
	return ["/proc/net/udp", "/proc/net/udp6"]
		.flatMap((table) => readFileSync(table, "utf8").split("\n"))
		.filter((row) => row.trim().split(/\s+/)[1]?.endsWith(suffix)).length;
}

describe("TLS, HTTP/2 and HTTP/3 (edge/runtime/bun.ts)", () => {
	test("HTTPS over TCP answers 200 and advertises h3 on the same port", async () => {
		expect(node.url).toStartWith("https://127.0.0.1:");
		const port = new URL(node.url).port;
		const response = await fetch(`${node.url}/pages/1`, { tls: { ca: cert.cert } });
		expect(response.status).toBe(200);
		expect(response.headers.get("alt-svc")).toContain(`h3=":${port}"`);
		expect(await response.text()).toContain("<h1>Page 1</h1>");
	});

	// With protocol "http2" Bun offers only h2 in ALPN and fails if the server does not pick it.
	test("HTTP/2 over TLS answers 200", async () => {
		const response = await fetch(`${node.url}/pages/2`, {
			protocol: "http2",
			tls: { ca: cert.cert },
		});
		expect(response.status).toBe(200);
		await response.arrayBuffer();
	});

	test("HTTP/3 (QUIC) answers 200 from a UDP listener", async () => {
		const port = Number(new URL(node.url).port);
		expect(udpSockets(port)).toBe(1);
		const response = await fetch(`${node.url}/pages/3`, {
			protocol: "http3",
			tls: { rejectUnauthorized: false },
		});
		expect(response.status).toBe(200);
		expect(await response.text()).toContain("<h1>Page 3</h1>");
		// Bun adds Alt-Svc to every response of its TCP listener; this one came over QUIC.
		expect(response.headers.get("alt-svc")).toBeNull();
	});
});

describe("a restart over TLS and HTTP/3", () => {
	test("a second node (NEURO_TAKEOVER=1) binds the same TCP and UDP port; the first serves on after it exits", async () => {
		const port = new URL(node.url).port;
		const second = await startNode(
			[process.execPath, NODE_ENTRY],
			[
				...["--port", port, "--memory-mb", "8", "--http3"],
				...["--tls-cert", cert.certPath, "--tls-key", cert.keyPath],
			],
			{ env: { NEURO_TAKEOVER: "1" } },
		);
		try {
			expect(second.url).toBe(node.url);
			expect(udpSockets(Number(port))).toBe(2);
			second.proc.kill("SIGTERM");
			expect(await second.exited).toBe(0);
			expect(udpSockets(Number(port))).toBe(1);
			const response = await fetch(`${node.url}/pages/4`, {
				protocol: "http3",
				tls: { rejectUnauthorized: false },
			});
			expect(response.status).toBe(200);
			await response.arrayBuffer();
		} finally {
			second.kill();
		}
	});
});

describe("bad TLS files are refused before serving", () => {
	test("a missing file: exit 2 naming the flag, nothing served", async () => {
		const run = await runToEnd([
			process.execPath,
			NODE_ENTRY,
			"--port",
			"0",
			"--tls-cert",
			join(cert.dir, "absent.crt"),
			"--tls-key",
			cert.keyPath,
		]);
		expect(run.code).toBe(2);
		expect(run.stderr).toContain("--tls-cert: cannot read");
		expect(run.stderr).toContain("no such file");
		expect(run.stderr).not.toContain("edge on");
	});

	test("not PEM, or a key that is not the certificate's", () => {
		const junk = join(cert.dir, "junk.pem");
		writeFileSync(junk, "not a certificate\n");
		const paths = { certPath: cert.certPath, keyPath: cert.keyPath };
		expect(loadTlsFiles(paths).cert).toBe(cert.cert);
		expect(() => loadTlsFiles({ ...paths, certPath: junk })).toThrow(FlagError);
		expect(() => loadTlsFiles({ ...paths, certPath: junk })).toThrow(
			`--tls-cert: ${junk} is not a PEM certificate`,
		);
		expect(() => loadTlsFiles({ ...paths, keyPath: junk })).toThrow(
			`--tls-key: ${junk} is not a PEM private key`,
		);
		expect(() => loadTlsFiles({ ...paths, keyPath: other.keyPath })).toThrow(
			`--tls-key: ${other.keyPath} does not match the certificate in ${cert.certPath}`,
		);
	});
});
