/**
 * A forward on a key remembered uncacheable (the lock's bypass, proxy/turn.ts) holds no
 * lock: no one waits on it. So it is the client's own request, not a fill: a HEAD goes as a
 * HEAD, and a client that leaves stops the origin call. Over real HTTP on both sides.
 */
import { describe, expect, test } from "bun:test";
import { gate } from "./raw-origin.ts";
import { rawOriginEdges } from "./served-edge.ts";

/** Far beyond the test: only the client's leaving can end the held call. */
const UNREACHED_TIMEOUT_MS = 3_600_000;
const NO_STORE = "HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nContent-Length: 7\r\n\r\ndynamic";

const edges = rawOriginEdges({ startMs: 0, originTimeoutMs: UNREACHED_TIMEOUT_MS });
const start = edges.start;

/** The request line's method of each request the origin got for `path`. */
const methods = (path: string) =>
	(edges.current().origin?.heads(path) ?? []).map((head) => head.split(" ")[0]);

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
