/**
 * Listening, as a real node.ts process: SO_REUSEPORT lets a new node bind the port of one
 * still serving (the zero-downtime restart), and a port that cannot be had, or a host that
 * is not this machine's, exits 2 with the reason instead of a stack trace.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { createServer } from "node:net";
import { idleTimeoutFor, serveBun } from "../../edge/runtime/bun.ts";
import { rawRequest } from "../proxy/raw-client.ts";
import { hasIpv6Loopback } from "./ipv6-loopback.ts";
import { NODE_ENTRY, type NodeProcess, runToEnd, startNode } from "./node-process.ts";

const NODE = [process.execPath, NODE_ENTRY];

const started: NodeProcess[] = [];
afterAll(() => {
	for (const node of started) node.kill();
});

async function start(args: string[], env: Record<string, string> = {}) {
	const node = await startNode(NODE, ["--memory-mb", "8", ...args], { env });
	started.push(node);
	return node;
}

describe("listening (edge/runtime/bun.ts)", () => {
	test("a restart: the new node binds the old one's port, serves on after the old exits", async () => {
		const old = await start(["--port", "0"]);
		const port = new URL(old.url).port;
		const next = await start(["--port", port], { NEURO_TAKEOVER: "1" });
		expect(next.url).toBe(old.url);
		old.proc.kill("SIGTERM");
		expect(await old.exited).toBe(0);
		const response = await fetch(`${next.url}/pages/1`);
		expect(response.status).toBe(200);
		await response.arrayBuffer();
		const health = await fetch(`${next.url}/_neuro/health`);
		expect(health.status).toBe(200);
		await health.arrayBuffer();
	});

	test("HTTP/1.0 without Host (a load balancer's health check): served under the node's own address", async () => {
		const node = await start(["--port", "0"]);
		const health = await rawRequest(node.url, "GET /_neuro/health HTTP/1.0\r\n\r\n");
		expect(health.status).toBe(200);
		expect(JSON.parse(health.body)).toMatchObject({ pid: node.proc.pid });
		const page = await rawRequest(node.url, "GET /pages/1 HTTP/1.0\r\n\r\n");
		expect(page.status).toBe(200);
		expect(page.body).toContain("<h1>Page 1</h1>");
		// Keyed as a request naming the node's address: the same object, now a hit.
		const named = await fetch(`${node.url}/pages/1`);
		expect(named.headers.get("cache-status")).toStartWith("NeuroCache;hit");
		await named.arrayBuffer();
	});

	test("a port another node serves on, without NEURO_TAKEOVER: exit 2, and the first serves on", async () => {
		const first = await start(["--port", "0"]);
		const port = new URL(first.url).port;
		const run = await runToEnd([...NODE, "--memory-mb", "8", "--port", port]);
		expect(run.code).toBe(2);
		expect(run.stderr).toContain(
			`--host/--port: cannot listen on 127.0.0.1:${port}: another process serves on it (EADDRINUSE)`,
		);
		expect(run.stderr).toContain("NEURO_TAKEOVER=1");
		expect(run.stderr).not.toContain("edge on");
		// Every connection still reaches the first: nothing else took a share of the port.
		for (let i = 0; i < 8; i++) {
			const health = (await (await fetch(`${first.url}/_neuro/health`)).json()) as { pid: number };
			expect(health.pid).toBe(first.proc.pid);
		}
	});

	test("a port held without SO_REUSEPORT: exit 2 naming it", async () => {
		const holder = createServer();
		await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
		const address = holder.address();
		const port = typeof address === "object" && address !== null ? address.port : 0;
		try {
			const run = await runToEnd([...NODE, "--memory-mb", "8", "--port", String(port)]);
			expect(run.code).toBe(2);
			expect(run.stderr).toContain(`--host/--port: cannot listen on 127.0.0.1:${port}`);
			expect(run.stderr).toContain("EADDRINUSE");
			expect(run.stderr).not.toContain("edge on");
		} finally {
			holder.close();
		}
	});

	test.skipIf(!hasIpv6Loopback())(
		"an IPv6 host: the URL it prints has the address in brackets, and answers",
		async () => {
			const node = await start(["--port", "0", "--host", "::1"]);
			expect(node.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
			// The curl lines follow the "edge on" line startNode waited for.
			const tryLine = await node.waitForLine(/curl -si \S+\/pages\/1/);
			expect(tryLine).toContain(`curl -si ${node.url}/pages/1`);
			const response = await fetch(`${node.url}/_neuro/health`);
			expect(response.status).toBe(200);
			await response.arrayBuffer();
		},
	);

	test("a host address not on this machine: exit 2 naming it", async () => {
		const run = await runToEnd([...NODE, "--memory-mb", "8", "--port", "0", "--host", "192.0.2.1"]);
		expect(run.code).toBe(2);
		expect(run.stderr).toContain("--host/--port: cannot listen on 192.0.2.1:0");
		expect(run.stderr).toContain("EADDRNOTAVAIL");
	});
});

describe("request bodies (edge/runtime/bun.ts)", () => {
	test("a body over maxRequestBodyBytes is refused with 413; one at it is read", async () => {
		const server = serveBun(
			async (request) => new Response(String((await request.text()).length)),
			{
				hostname: "127.0.0.1",
				port: 0,
				maxRequestBodyBytes: 1024,
			},
		);
		try {
			const post = (bytes: number) =>
				fetch(server.url, { method: "POST", body: "x".repeat(bytes) }).then(async (r) => ({
					status: r.status,
					body: await r.text(),
				}));
			expect(await post(1024)).toEqual({ status: 200, body: "1024" });
			expect((await post(4096)).status).toBe(413);
		} finally {
			await server.drain(0);
		}
	});
});

describe("idle timeout", () => {
	test("outlasts the origin timeout by a margin, within Bun's 255 s limit", () => {
		// Bun's default (10 s) is below the edge's 15 s origin timeout: a client waiting on a
		// slow origin would lose its connection before the 504.
		expect(idleTimeoutFor(15_000)).toBe(20);
		expect(idleTimeoutFor(15_001)).toBe(21);
		expect(idleTimeoutFor(1_000_000)).toBe(255);
	});

	test("covers a wait on the coalescing lock and then the origin call", () => {
		// Sized by the origin alone (20 s), a client queued behind a fill for 15 s and then
		// sent to a 15 s origin was cut off at 20 s.
		expect(idleTimeoutFor(15_000, 35_000)).toBe(55);
		expect(idleTimeoutFor(15_000, 15_000)).toBe(35);
		expect(idleTimeoutFor(200_000, 50_000)).toBe(255);
		expect(idleTimeoutFor(200_000, 60_000)).toBe(255);
	});
});

describe("uncaught errors", () => {
	test("a handler that throws gets a plain 500: no source, no stack, no message", async () => {
		const server = serveBun(
			() => {
				throw new Error("secret detail of the failure");
			},
			{ hostname: "127.0.0.1", port: 0 },
		);
		try {
			const response = await fetch(`http://127.0.0.1:${server.port}/`);
			expect(response.status).toBe(500);
			const body = await response.text();
			expect(body).toBe("internal error\n");
		} finally {
			await server.drain(1000);
		}
	});
});
