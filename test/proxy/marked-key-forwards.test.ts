/**
 * A forward on a key remembered uncacheable (the lock's bypass, proxy/turn.ts) holds no
 * lock: no one waits on it. So it is the client's own request, not a fill: a HEAD goes as a
 * HEAD, and a client that leaves stops the origin call. Over real HTTP on both sides.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { ManualTimers } from "../../edge/lock/timers.ts";
import { gate, type RawExchange, type RawOrigin, startRawOrigin } from "./raw-origin.ts";
import { type ServedEdge, serveEdge } from "./served-edge.ts";

/** Far beyond the test: only the client's leaving can end the held call. */
const UNREACHED_TIMEOUT_MS = 3_600_000;
const NO_STORE = "HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nContent-Length: 7\r\n\r\ndynamic";

let origin: RawOrigin | undefined;
let edge: ServedEdge | undefined;
afterEach(() => {
	edge?.stop();
	origin?.stop();
	edge = undefined;
	origin = undefined;
});

function start(handlers: Record<string, (exchange: RawExchange) => void>) {
	origin = startRawOrigin(handlers);
	const timers = new ManualTimers(0);
	edge = serveEdge({ origin: origin.url, timers, originTimeoutMs: UNREACHED_TIMEOUT_MS });
	return { origin, edge };
}

/** The request line's method of each request the origin got for `path`. */
const methods = (path: string) => (origin?.heads(path) ?? []).map((head) => head.split(" ")[0]);

describe("a forward on a key remembered uncacheable", () => {
	test("a HEAD goes to the origin as a HEAD, not as a GET for the whole body", async () => {
		const { edge } = start({
			"/dyn": (ex) =>
				ex.head.startsWith("HEAD")
					? ex.write("HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nContent-Length: 7\r\n\r\n")
					: ex.write(NO_STORE),
		});
		// A no-store answer marks the key.
		expect(await (await fetch(`${edge.url}/dyn`)).text()).toBe("dynamic");
		const head = await fetch(`${edge.url}/dyn`, { method: "HEAD" });
		expect(head.status).toBe(200);
		expect(await head.text()).toBe("");
		expect(methods("/dyn")).toEqual(["GET", "HEAD"]);
	});

	test("a client that leaves stops the origin call: its connection is closed", async () => {
		const asked = gate();
		let calls = 0;
		const { origin, edge } = start({
			"/dyn": (ex) => {
				calls++;
				// The first call marks the key; the second is held until the client leaves.
				if (calls === 1) ex.write(NO_STORE);
				else asked.open();
			},
		});
		expect(await (await fetch(`${edge.url}/dyn`)).text()).toBe("dynamic");
		const leave = new AbortController();
		const pending = fetch(`${edge.url}/dyn`, { signal: leave.signal });
		await asked.opened;
		leave.abort();
		await expect(pending).rejects.toThrow();
		await edge.clientGone("/dyn");
		await origin.closed("/dyn");
		expect(methods("/dyn")).toEqual(["GET", "GET"]);
		// The client's leaving is no fault of the origin's: nothing logged.
		expect(edge.lines).toEqual([]);
	});
});
