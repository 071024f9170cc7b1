/**
 * Calling the origin, over real HTTP on both sides: a client fetches from the edge (Bun.serve)
 * and the edge calls a raw TCP origin (raw-origin.ts) with the network fetch. Time is a
 * ManualTimers clock the test moves: no sleeps, and no real deadline decides an outcome.
 */
import { describe, expect, test } from "bun:test";
import { field, gate, type RawExchange, startRawOrigin } from "./raw-origin.ts";
import { rawOriginEdges } from "./served-edge.ts";

const TIMEOUT_MS = 1000;
/** Far from the machine's own clock, so a Date the runtime stamps cannot pass for ours. */
const START_MS = Date.UTC(2001, 0, 1);
const CACHEABLE = "Cache-Control: max-age=600\r\n";
/** Longer than any test runs, on a clock the test never moves that far. */
const UNREACHED_TIMEOUT_MS = 3_600_000;

const edges = rawOriginEdges({ startMs: START_MS, originTimeoutMs: TIMEOUT_MS });
const start = edges.start;

/** Reads from `reader` until `total` bytes have come in all; returns the text so far. */
async function readUntil(
	reader: { read(): Promise<{ done: boolean; value?: Uint8Array | undefined }> },
	received: { text: string },
	total: number,
): Promise<void> {
	while (received.text.length < total) {
		const { done, value } = await reader.read();
		if (done) throw new Error(`the body ended after ${received.text.length} bytes`);
		received.text += new TextDecoder().decode(value);
	}
}

describe("the origin timeout (--origin-timeout-ms)", () => {
	test("bounds the wait for the response head: a 504 when the edge's clock passes it", async () => {
		const asked = gate();
		const { edge, timers } = start({ "/hung": () => asked.open() });
		const pending = fetch(`${edge.url}/hung`);
		await asked.opened;
		timers.advance(TIMEOUT_MS);
		const response = await pending;
		expect(response.status).toBe(504);
		expect(await response.text()).toBe("origin timeout\n");
		expect(edge.lines).toEqual([
			expect.stringMatching(/^WARN origin timeout: GET http:\/\/127\.0\.0\.1:\d+\/hung: /),
		]);
	});

	test("does not bound a body that keeps coming, however long it takes in all", async () => {
		let exchange: RawExchange | undefined;
		const asked = gate();
		const { origin, edge, timers } = start({
			"/trickle": (ex) => {
				exchange = ex;
				ex.write(`HTTP/1.1 200 OK\r\n${CACHEABLE}Content-Length: 30\r\n\r\nchunk-1...`);
				asked.open();
			},
		});
		const response = await fetch(`${edge.url}/trickle`);
		await asked.opened;
		const reader = response.body?.getReader();
		if (reader === undefined || exchange === undefined) throw new Error("no body");
		const received = { text: "" };
		await readUntil(reader, received, 10);
		// Each gap stays under the timeout; together they pass it almost twice.
		timers.advance(TIMEOUT_MS - 100);
		exchange.write("chunk-2...");
		await readUntil(reader, received, 20);
		timers.advance(TIMEOUT_MS - 100);
		exchange.write("chunk-3...");
		await readUntil(reader, received, 30);
		expect((await reader.read()).done).toBe(true);
		expect(received.text).toBe("chunk-1...chunk-2...chunk-3...");
		// A fill claims nothing about storing (its fields leave before its body): the next
		// request says whether it was stored.
		expect(response.headers.get("cache-status")).toBe("NeuroCache;fwd=uri-miss;fwd-status=200");
		// Stored whole: the next request is a hit.
		const again = await fetch(`${edge.url}/trickle`);
		expect(again.headers.get("cache-status")).toContain("hit");
		expect(await again.text()).toBe(received.text);
		expect(origin.heads("/trickle")).toHaveLength(1);
		expect(edge.lines).toEqual([]);
	});

	test("cuts a body that sends nothing for that long: the client fails, nothing is stored", async () => {
		let calls = 0;
		const { origin, edge, timers } = start({
			"/idle": (ex) => {
				calls++;
				// The first answer stops halfway and stays open; the second comes whole.
				if (calls === 1) ex.write(`HTTP/1.1 200 OK\r\n${CACHEABLE}Content-Length: 10\r\n\r\nhalf-`);
				else ex.write(`HTTP/1.1 200 OK\r\n${CACHEABLE}Content-Length: 10\r\n\r\nwhole-body`);
			},
		});
		const response = await fetch(`${edge.url}/idle`);
		const reader = response.body?.getReader();
		if (reader === undefined) throw new Error("no body");
		const received = { text: "" };
		await readUntil(reader, received, 5);
		// The fill's read for the next chunk was armed before those bytes reached us.
		timers.advance(TIMEOUT_MS);
		await expect(readUntil(reader, received, 10)).rejects.toThrow();
		expect(received.text).toBe("half-");
		// The call was stopped: the origin's connection is closed, not left to hang.
		await origin.closed("/idle");
		expect(edge.lines).toEqual([
			expect.stringMatching(
				/^WARN origin body failed: GET http:\/\/127\.0\.0\.1:\d+\/idle: nothing for 1000 ms after 5 bytes$/,
			),
		]);
		const again = await fetch(`${edge.url}/idle`);
		expect(again.headers.get("cache-status")).toContain("fwd=uri-miss");
		expect(await again.text()).toBe("whole-body");
		expect(origin.heads("/idle")).toHaveLength(2);
	});
});

describe("an origin that fails is named to the client by kind, never by address", () => {
	const malformed = {
		"/two-lengths": `HTTP/1.1 200 OK\r\n${CACHEABLE}Content-Length: 2\r\nContent-Length: 5\r\n\r\nokabc`,
		"/not-http": "NOT HTTP AT ALL\r\n\r\n",
		"/status-999": `HTTP/1.1 999 Weird\r\n${CACHEABLE}Content-Length: 2\r\n\r\nok`,
	};
	const handlers = Object.fromEntries(
		Object.entries(malformed).map(([path, text]) => [
			path,
			(ex: RawExchange) => {
				ex.write(text);
				ex.end();
			},
		]),
	);

	for (const method of ["GET", "POST"]) {
		for (const path of Object.keys(malformed)) {
			test(`${method} ${path}: 502 "origin sent an invalid response", the detail in a WARN line`, async () => {
				const { origin, edge } = start(handlers);
				const response = await fetch(`${edge.url}${path}`, {
					method,
					...(method === "POST" ? { body: "x" } : {}),
				});
				expect(response.status).toBe(502);
				expect(await response.text()).toBe("origin sent an invalid response\n");
				expect(edge.lines).toHaveLength(1);
				expect(edge.lines[0]).toStartWith(
					`WARN origin sent an invalid response: ${method} ${origin.url}${path}: `,
				);
			});
		}
	}

	test('an origin that refuses connections: 502 "origin unreachable"', async () => {
		// A port that was just listening and is not any more refuses the connection.
		const closed = startRawOrigin({});
		const url = closed.url;
		closed.stop();
		const { edge } = edges.serve(url);
		const response = await fetch(`${edge.url}/anything`);
		expect(response.status).toBe(502);
		const body = await response.text();
		expect(body).toBe("origin unreachable\n");
		expect(body).not.toContain("127.0.0.1");
		expect(edge.lines).toEqual([
			expect.stringContaining(`WARN origin unreachable: GET ${url}/anything: `),
		]);
	});
});

describe("Date on a response that has none (RFC 9110 §6.6.1)", () => {
	test("is the time the edge received it: the fill and every hit carry it, with a matching Age", async () => {
		const { origin, edge, timers } = start({
			"/dateless": (ex) => ex.write(`HTTP/1.1 200 OK\r\n${CACHEABLE}Content-Length: 2\r\n\r\nok`),
		});
		const filled = await fetch(`${edge.url}/dateless`);
		await filled.text();
		const receivedAt = new Date(START_MS).toUTCString();
		expect(filled.headers.get("date")).toBe(receivedAt);
		timers.advance(30_000);
		const hit = await fetch(`${edge.url}/dateless`);
		await hit.text();
		expect(hit.headers.get("cache-status")).toContain("hit");
		expect(hit.headers.get("date")).toBe(receivedAt);
		expect(hit.headers.get("age")).toBe("30");
		expect(origin.heads("/dateless")).toHaveLength(1);
	});

	test("an origin's own Date is kept", async () => {
		const theirs = "Mon, 01 Jan 2001 00:00:05 GMT";
		const { edge } = start({
			"/dated": (ex) =>
				ex.write(`HTTP/1.1 200 OK\r\n${CACHEABLE}Date: ${theirs}\r\nContent-Length: 2\r\n\r\nok`),
		});
		const response = await fetch(`${edge.url}/dated`);
		await response.text();
		expect(response.headers.get("date")).toBe(theirs);
	});
});

describe("Via on requests to the origin (RFC 9110 §7.6.3)", () => {
	const ok = (ex: RawExchange) => ex.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");

	test("names this hop by a fixed pseudonym, after the hops the request already made", async () => {
		const { origin, edge } = start({ "/plain": ok, "/proxied": ok });
		await (await fetch(`${edge.url}/plain`)).text();
		await (
			await fetch(`${edge.url}/proxied`, { headers: { via: "1.0 fred, 1.1 p.example" } })
		).text();
		expect(field(origin.heads("/plain")[0] ?? "", "via")).toBe("1.1 neurocache");
		expect(field(origin.heads("/proxied")[0] ?? "", "via")).toBe(
			"1.0 fred, 1.1 p.example, 1.1 neurocache",
		);
	});

	test("is added to unsafe methods too", async () => {
		const { origin, edge } = start({ "/form": ok });
		await (await fetch(`${edge.url}/form`, { method: "POST", body: "x" })).text();
		expect(field(origin.heads("/form")[0] ?? "", "via")).toBe("1.1 neurocache");
	});
});

describe("Accept-Encoding on requests to the origin (RFC 9111 §4.1)", () => {
	/** An origin that prefers zstd, then deflate, when the request allows them. */
	const coding = (ex: RawExchange) => {
		const accepted = field(ex.head, "accept-encoding") ?? "";
		const chosen = accepted.includes("zstd")
			? "zstd"
			: accepted.includes("deflate")
				? "deflate"
				: undefined;
		const body = chosen ?? "plain";
		ex.write(
			`HTTP/1.1 200 OK\r\n${CACHEABLE}Vary: Accept-Encoding\r\n` +
				(chosen === undefined ? "" : `Content-Encoding: ${chosen}\r\n`) +
				`Content-Length: ${body.length}\r\n\r\n${body}`,
		);
	};

	test("names only the codings the variant key holds, so a variant's body suits all its clients", async () => {
		const { origin, edge } = start({ "/a": coding, "/b": coding });
		const get = async (path: string, acceptEncoding: string) => {
			const response = await fetch(`${edge.url}${path}`, {
				headers: { "accept-encoding": acceptEncoding },
				decompress: false,
			} as RequestInit);
			return {
				coding: response.headers.get("content-encoding"),
				status: response.headers.get("cache-status"),
			};
		};
		// zstd is not a coding the cache keys by: the origin is not offered it, so the
		// variant stored for "gzip, br, zstd" clients is one a "gzip, br" client can read.
		expect(await get("/a", "gzip, deflate, br, zstd")).toMatchObject({ coding: null });
		expect(field(origin.heads("/a")[0] ?? "", "accept-encoding")).toBe("br, gzip");
		const sameVariant = await get("/a", "gzip, br");
		expect(sameVariant.coding).toBeNull();
		expect(sameVariant.status).toContain("hit");
		// deflate alone and identity alone are one variant: identity.
		expect(await get("/b", "deflate")).toMatchObject({ coding: null });
		expect(field(origin.heads("/b")[0] ?? "", "accept-encoding")).toBe("identity");
		expect((await get("/b", "identity")).status).toContain("hit");
		expect(origin.heads("/a")).toHaveLength(1);
		expect(origin.heads("/b")).toHaveLength(1);
	});

	test("an unsafe method's Accept-Encoding goes as the client sent it", async () => {
		const { origin, edge } = start({ "/form": coding });
		await (
			await fetch(`${edge.url}/form`, {
				method: "POST",
				body: "x",
				headers: { "accept-encoding": "zstd" },
				decompress: false,
			} as RequestInit)
		).arrayBuffer();
		expect(field(origin.heads("/form")[0] ?? "", "accept-encoding")).toBe("zstd");
	});
});

describe("a client that leaves", () => {
	/**
	 * Holds the first request's answer until the test writes it, and tells when it arrived;
	 * a later request (one that should not happen) is answered at once, "refetched".
	 */
	function held() {
		const asked = gate();
		let exchange: RawExchange | undefined;
		const handler = (ex: RawExchange) => {
			if (exchange !== undefined)
				return ex.write(`HTTP/1.1 200 OK\r\n${CACHEABLE}Content-Length: 9\r\n\r\nrefetched`);
			exchange = ex;
			asked.open();
		};
		return { handler, asked: asked.opened, answer: (text: string) => exchange?.write(text) };
	}

	for (const [name, init] of [
		["a POST", { method: "POST", body: "x" }],
		["a GET with no-store (a bypass)", { headers: { "cache-control": "no-store" } }],
	] as const) {
		test(`stops ${name} at the origin: its connection is closed`, async () => {
			const hold = held();
			// A timeout no clock reaches: only the client's leaving can close the connection.
			const { origin, edge } = start({ "/pass": hold.handler }, UNREACHED_TIMEOUT_MS);
			const leave = new AbortController();
			const pending = fetch(`${edge.url}/pass`, { ...init, signal: leave.signal });
			await hold.asked;
			leave.abort();
			await expect(pending).rejects.toThrow();
			await edge.clientGone("/pass");
			await origin.closed("/pass");
			// The client's leaving is no fault of the origin's: nothing logged.
			expect(edge.lines).toEqual([]);
		});
	}

	test("does not stop a fill others wait on: it completes and is stored", async () => {
		const hold = held();
		const { origin, edge } = start({ "/fill": hold.handler });
		const leave = new AbortController();
		const pending = fetch(`${edge.url}/fill`, { signal: leave.signal });
		await hold.asked;
		leave.abort();
		await expect(pending).rejects.toThrow();
		// The edge saw the client go (an abort it passed on would have taken effect by now).
		await edge.clientGone("/fill");
		hold.answer(`HTTP/1.1 200 OK\r\n${CACHEABLE}Content-Length: 6\r\n\r\nfilled`);
		const next = await fetch(`${edge.url}/fill`);
		expect(await next.text()).toBe("filled");
		expect(next.headers.get("cache-status")).toMatch(/hit|collapsed/);
		expect(origin.heads("/fill")).toHaveLength(1);
	});
});
