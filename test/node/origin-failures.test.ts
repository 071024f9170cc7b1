/**
 * A real node.ts process in front of a raw TCP origin (test/proxy/raw-origin.ts), for what
 * only the process shows: what the client gets from a bad origin, and what lands on stderr
 * (a WARN line with the detail, never a stack trace the runtime prints by itself).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { field, type RawExchange, type RawOrigin, startRawOrigin } from "../proxy/raw-origin.ts";
import { NODE_ENTRY, type NodeProcess, startNode } from "./node-process.ts";

const TIMEOUT_MS = 300;
/** Well under the timeout: each gap in the trickle is a fifth of it. */
const TRICKLE_GAP_MS = 60;
const TRICKLE = "0123456789";
const CACHEABLE = "Cache-Control: max-age=600\r\n";

/** Framing no parser may guess at (RFC 9112 §6.3): a 502 with a WARN line. */
function twoLengths(ex: RawExchange): void {
	ex.write(`HTTP/1.1 200 OK\r\n${CACHEABLE}Content-Length: 2\r\nContent-Length: 5\r\n\r\nokabc`);
	ex.end();
}

let origin: RawOrigin;
let node: NodeProcess | undefined;

beforeAll(async () => {
	origin = startRawOrigin({
		// Ten bytes over about twice the timeout, one at a time.
		"/trickle": (ex) => {
			ex.write(`HTTP/1.1 200 OK\r\n${CACHEABLE}Content-Length: ${TRICKLE.length}\r\n\r\n`);
			let sent = 0;
			const timer = setInterval(() => {
				ex.write(TRICKLE[sent] ?? "");
				if (++sent === TRICKLE.length) clearInterval(timer);
			}, TRICKLE_GAP_MS);
		},
		// A chunk size that is not hex: the body fails at its first read.
		"/bad-chunk": (ex) => {
			ex.write(
				`HTTP/1.1 200 OK\r\n${CACHEABLE}Transfer-Encoding: chunked\r\n\r\nZZ\r\nxx\r\n0\r\n\r\n`,
			);
			ex.end();
		},
		// Half the body, then nothing while the connection stays open.
		"/idle": (ex) => ex.write(`HTTP/1.1 200 OK\r\n${CACHEABLE}Content-Length: 10\r\n\r\nhalf-`),
		// Not stored: every request reaches the origin.
		"/uncached": (ex) => {
			ex.write("HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nContent-Length: 2\r\n\r\nok");
			ex.end();
		},
		"/two-lengths": twoLengths,
		"/two-lengths-again": twoLengths,
	});
	node = await startNode(
		[process.execPath, NODE_ENTRY],
		[
			"--port",
			"0",
			"--memory-mb",
			"8",
			"--origin",
			origin.url,
			"--origin-timeout-ms",
			String(TIMEOUT_MS),
		],
	);
});

afterAll(() => {
	node?.kill();
	origin.stop();
});

function edge(): NodeProcess {
	if (node === undefined) throw new Error("the node did not start");
	return node;
}

describe("an origin seen through a real node.ts", () => {
	test("a body that takes longer than --origin-timeout-ms in all, but keeps coming, arrives whole", async () => {
		const response = await fetch(`${edge().url}/trickle`);
		expect(response.status).toBe(200);
		expect(await response.text()).toBe(TRICKLE);
		const again = await fetch(`${edge().url}/trickle`);
		expect(again.headers.get("cache-status")).toContain("hit");
		expect(await again.text()).toBe(TRICKLE);
	});

	test("an invalid response is a short 502 naming no address; the address goes to stderr", async () => {
		const response = await fetch(`${edge().url}/two-lengths`);
		expect(response.status).toBe(502);
		expect(await response.text()).toBe("origin sent an invalid response\n");
		await edge().waitForLine(
			new RegExp(`^WARN origin sent an invalid response: GET ${origin.url}/two-lengths: `),
		);
	});

	test("broken chunked framing fails the client's response with one WARN line", async () => {
		// The head went out before the body failed: the client's connection is cut. (Bun's
		// fetch may send the request again on a fresh connection: the edge logs each time.)
		await expect(fetch(`${edge().url}/bad-chunk`).then((r) => r.text())).rejects.toThrow();
		await edge().waitForLine(
			new RegExp(`^WARN origin body failed: GET ${origin.url}/bad-chunk: InvalidHTTPResponse`),
		);
	});

	test("a body idle for --origin-timeout-ms fails the client's response with one WARN line", async () => {
		await expect(fetch(`${edge().url}/idle`).then((r) => r.text())).rejects.toThrow();
		await edge().waitForLine(
			new RegExp(
				`^WARN origin body failed: GET ${origin.url}/idle: nothing for ${TIMEOUT_MS} ms after 5 bytes$`,
			),
		);
	});

	test("the origin gets the client's address appended to X-Forwarded-For, for GETs and POSTs", async () => {
		await (await fetch(`${edge().url}/uncached`)).text();
		const forwarded = { "x-forwarded-for": "203.0.113.9" };
		await (await fetch(`${edge().url}/uncached`, { headers: forwarded })).text();
		await (await fetch(`${edge().url}/uncached`, { method: "POST", headers: forwarded })).text();
		const seen = origin.heads("/uncached").map((head) => field(head, "x-forwarded-for"));
		expect(seen).toEqual(["127.0.0.1", "203.0.113.9, 127.0.0.1", "203.0.113.9, 127.0.0.1"]);
	});

	test("none of those failures printed a stack trace", async () => {
		// A WARN line written after them all: whatever they printed came before it.
		await (await fetch(`${edge().url}/two-lengths-again`)).text();
		const marker = await edge().waitForLine(/two-lengths-again/);
		const printed = edge().lines.slice(0, edge().lines.indexOf(marker));
		// Every line is one of the node's own leveled lines: a stack trace's are not.
		expect(printed.filter((line) => !/^(INFO|WARN) /.test(line))).toEqual([]);
	});
});
