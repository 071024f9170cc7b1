/**
 * SIGTERM on a real node.ts process: the listener closes at once, a request in flight
 * (held at a test origin behind a gate the test opens) still completes with 200, and the
 * process exits 0. Past --drain-ms, what is still in flight is closed and the exit is 0.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { NODE_ENTRY, type NodeProcess, startNode } from "./node-process.ts";

/** An origin whose /slow answers only when the test opens the gate. */
function gatedOrigin() {
	let open!: () => void;
	const gate = new Promise<void>((resolve) => {
		open = resolve;
	});
	let arrived!: () => void;
	const entered = new Promise<void>((resolve) => {
		arrived = resolve;
	});
	const server = Bun.serve({
		hostname: "127.0.0.1",
		port: 0,
		async fetch(request) {
			if (new URL(request.url).pathname !== "/slow") return new Response("fast");
			arrived();
			await gate;
			return new Response("slow and complete", { headers: { "cache-control": "no-store" } });
		},
	});
	return { url: `http://127.0.0.1:${server.port}`, open, entered, stop: () => server.stop(true) };
}

/** Resolves with the error code of a plain TCP connect ("connected" if it was accepted). */
function tcpConnect(url: string): Promise<string> {
	const { hostname, port } = new URL(url);
	return new Promise((resolve) => {
		const socket = connect(Number(port), hostname);
		socket.once("connect", () => {
			socket.destroy();
			resolve("connected");
		});
		socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
	});
}

const started: NodeProcess[] = [];
const origins: ReturnType<typeof gatedOrigin>[] = [];
afterAll(() => {
	for (const node of started) node.kill();
	for (const origin of origins) origin.stop();
});

async function nodeBefore(origin: ReturnType<typeof gatedOrigin>, extra: string[] = []) {
	const node = await startNode(
		[process.execPath, NODE_ENTRY],
		["--port", "0", "--memory-mb", "8", "--origin", origin.url, ...extra],
	);
	started.push(node);
	return node;
}

describe("graceful shutdown (SIGTERM)", () => {
	test("stops accepting, finishes the request in flight with 200, exits 0", async () => {
		const origin = gatedOrigin();
		origins.push(origin);
		const node = await nodeBefore(origin);
		const inFlight = fetch(`${node.url}/slow`).then(async (response) => ({
			status: response.status,
			body: await response.text(),
		}));
		await origin.entered;

		node.proc.kill("SIGTERM");
		await node.waitForLine(/INFO SIGTERM: stopped accepting; draining 1 in-flight/);
		expect(await tcpConnect(node.url)).toBe("ECONNREFUSED");

		origin.open();
		expect(await inFlight).toEqual({ status: 200, body: "slow and complete" });
		expect(await node.exited).toBe(0);
		expect(node.lines).toContain("INFO drained: every in-flight request finished");
	});

	test("SIGTERM as soon as the edge line is out still drains and exits 0", async () => {
		const origin = gatedOrigin();
		origins.push(origin);
		const node = await nodeBefore(origin);
		node.proc.kill("SIGTERM");
		expect(await node.exited).toBe(0);
		expect(node.lines).toContain("INFO drained: every in-flight request finished");
	});

	test("past --drain-ms the request still in flight is closed, and the exit is 0", async () => {
		const origin = gatedOrigin();
		origins.push(origin);
		const node = await nodeBefore(origin, ["--drain-ms", "300"]);
		const inFlight = fetch(`${node.url}/slow`).then(
			(response) => response.status,
			() => "closed",
		);
		await origin.entered;

		node.proc.kill("SIGTERM");
		expect(await node.exited).toBe(0);
		expect(node.lines.join("\n")).toContain(
			"WARN drain deadline (300 ms) passed: closed 1 request(s)",
		);
		expect(await inFlight).toBe("closed");
		origin.open();
	});
});
