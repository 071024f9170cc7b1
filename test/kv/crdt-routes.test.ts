/**
 * The gossip plane's routes (cluster/kv/crdt-routes.ts) in process, over a real CrdtStore
 * and a fixed member table: counters, registers, members, and every refusal (bad names,
 * bad steps, oversized values, bodies that are not JSON, a plane starting or off).
 */
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { CrdtStore } from "../../cluster/crdt/store.ts";
import type { Member } from "../../cluster/gossip/types.ts";
import {
	CounterAnswer,
	GossipMembersAnswer,
	GossipTraffic,
	RegisterAnswer,
} from "../../cluster/kv/crdt-api.ts";
import { crdtApi, type GossipView, registerKey } from "../../cluster/kv/crdt-routes.ts";
import { ErrorAnswer } from "../../cluster/kv/http-api.ts";
import { serveBun } from "../../edge/runtime/bun.ts";

const META = {
	role: "control",
	pop: "ams1",
	edgeAddress: "127.0.0.1:8080",
	raftAddress: "",
} as const;
const MEMBERS: Member[] = [
	{ id: 2, address: "127.0.0.1:7002", incarnation: 4, state: "dead", meta: META, changedAt: 0 },
	{ id: 1, address: "127.0.0.1:7001", incarnation: 9, state: "alive", meta: META, changedAt: 0 },
];

function plane(): GossipView {
	const store = new CrdtStore({ replica: "n1.1", clock: () => 1_000 });
	return { self: 1, store, members: () => MEMBERS, traffic: () => TRAFFIC };
}

const TRAFFIC = {
	packetsIn: 10,
	packetsOut: 12,
	bytesIn: 1_000,
	bytesOut: 1_200,
	pushPullBytesIn: 300,
	pushPullBytesOut: 400,
};

function app(view: GossipView | "starting" | "off" = plane()) {
	return crdtApi(() => view).app;
}

const post = (body?: string) => ({ method: "POST", ...(body === undefined ? {} : { body }) });
const put = (body: string) => ({ method: "PUT", body });

async function refusal(response: Response, status: number): Promise<string> {
	expect(response.status).toBe(status);
	return v.parse(ErrorAnswer, await response.json()).message;
}

describe("counter routes", () => {
	test("incr and decr move the counter; GET answers the local total", async () => {
		const routes = app();
		const first = await routes.request("/v1/counters/hits/incr", post());
		expect(v.parse(CounterAnswer, await first.json())).toEqual({ name: "hits", value: 1 });
		await routes.request("/v1/counters/hits/incr", post('{"by":41}'));
		const down = await routes.request("/v1/counters/hits/decr", post('{"by":2}'));
		expect(v.parse(CounterAnswer, await down.json()).value).toBe(40);
		const read = await routes.request("/v1/counters/hits");
		expect(v.parse(CounterAnswer, await read.json())).toEqual({ name: "hits", value: 40 });
		const unused = await routes.request("/v1/counters/never");
		expect(v.parse(CounterAnswer, await unused.json()).value).toBe(0);
	});

	test("a total past 2^53 - 1 is a 409 counter-range, stepped to or read, never a rounded number", async () => {
		const view = plane();
		const store = view.store as CrdtStore;
		const half = 2 ** 52;
		store.merge("counter/big", {
			kind: "pncounter",
			state: { p: { n2: half, n3: half - 2 }, n: {} },
		});
		const routes = app(view);
		const last = await routes.request("/v1/counters/big/incr", post());
		expect(v.parse(CounterAnswer, await last.json()).value).toBe(Number.MAX_SAFE_INTEGER);
		const past = await routes.request("/v1/counters/big/incr", post());
		expect(past.status).toBe(409);
		expect(await past.json()).toMatchObject({ error: "counter-range" });
		const read = await routes.request("/v1/counters/big");
		expect(v.parse(CounterAnswer, await read.json()).value).toBe(Number.MAX_SAFE_INTEGER);
		store.merge("counter/big", { kind: "pncounter", state: { p: { n4: 10 }, n: {} } });
		const reached = await routes.request("/v1/counters/big");
		expect(await refusal(reached, 409)).toContain("2^53 - 1");
	});

	test("a percent-encoded name is decoded before it is checked", async () => {
		const routes = app();
		await routes.request("/v1/counters/hits%3Apop-ams/incr", post());
		const read = await routes.request("/v1/counters/hits:pop-ams");
		expect(v.parse(CounterAnswer, await read.json()).value).toBe(1);
	});

	test.each([
		["by 0", "/v1/counters/a/incr", '{"by":0}', "by must be at least 1"],
		["a fractional by", "/v1/counters/a/incr", '{"by":1.5}', "by must be a whole number"],
		["by as a string", "/v1/counters/a/decr", '{"by":"2"}', "by must be a number"],
		["by too large", "/v1/counters/a/incr", '{"by":1000000001}', "by must be at most 1000000000"],
		["an unknown field", "/v1/counters/a/incr", '{"by":1,"x":2}', "Invalid key"],
		["not JSON", "/v1/counters/a/incr", "{by", 'body must be JSON: {"by": N} or empty'],
		["a bad name", "/v1/counters/a%20b/incr", "", "name may hold only letters, digits and . _ : -"],
		// Decoded once: the name is "a%41", which holds a %, never "aA".
		["an escaped %", "/v1/counters/a%2541/incr", "", "name may hold only letters"],
		[
			"bad percent-encoding",
			"/v1/counters/%E0%A4%A/incr",
			"",
			"name is not valid percent-encoding",
		],
		[
			"a long name",
			`/v1/counters/${"x".repeat(129)}/incr`,
			"",
			"name must be at most 128 characters",
		],
	])("%s is a 400 that changes nothing", async (_what, path, body, message) => {
		const routes = app();
		expect(await refusal(await routes.request(path, post(body)), 400)).toContain(message);
		for (const name of ["a", "aA"]) {
			const read = await routes.request(`/v1/counters/${name}`);
			expect(v.parse(CounterAnswer, await read.json()).value).toBe(0);
		}
	});
});

describe("the counter routes as Bun native routes", () => {
	// Bun.serve matches these paths itself; everything else goes on to the Hono app.
	async function served(view: GossipView | "starting" = plane()) {
		const api = crdtApi(() => view);
		const server = serveBun(api.app.fetch, {
			hostname: "127.0.0.1",
			port: 0,
			routes: api.native,
		});
		return { base: `http://127.0.0.1:${server.port}`, stop: () => server.drain(1_000) };
	}

	test("they answer as the Hono routes do: steps, reads, refusals", async () => {
		const { base, stop } = await served();
		try {
			const first = await fetch(`${base}/v1/counters/hits/incr`, post());
			expect(v.parse(CounterAnswer, await first.json())).toEqual({ name: "hits", value: 1 });
			await fetch(`${base}/v1/counters/hits/incr`, post('{"by":9}'));
			await fetch(`${base}/v1/counters/hits/decr`, post('{"by":3}'));
			const read = await fetch(`${base}/v1/counters/hits`);
			expect(v.parse(CounterAnswer, await read.json())).toEqual({ name: "hits", value: 7 });
			const escaped = await fetch(`${base}/v1/counters/a%2541/incr`, post());
			expect(await refusal(escaped, 400)).toContain("name may hold only letters");
			const badEscape = await fetch(`${base}/v1/counters/%E0%A4%A/incr`, post());
			expect(await refusal(badEscape, 400)).toBe("name is not valid percent-encoding");
			const badBy = await fetch(`${base}/v1/counters/hits/incr`, post('{"by":0}'));
			expect(await refusal(badBy, 400)).toContain("by must be at least 1");
			const after = await fetch(`${base}/v1/counters/hits`);
			expect(v.parse(CounterAnswer, await after.json()).value).toBe(7);
		} finally {
			await stop();
		}
	});

	test("a name Bun decoded is trusted only when the raw path spells it", async () => {
		const { base, stop } = await served();
		try {
			await fetch(`${base}/v1/counters/aA/incr`, post());
			// Bun decodes `%41` to "A": the same counter.
			const encoded = await fetch(`${base}/v1/counters/a%41/incr`, post());
			expect(v.parse(CounterAnswer, await encoded.json())).toEqual({ name: "aA", value: 2 });
			// Bun decodes these leniently (to "aA\uFFFD" and "\uFFFD1"); both are refused.
			for (const raw of ["aA%G1", "%%41"]) {
				const bad = await fetch(`${base}/v1/counters/${raw}/incr`, post());
				expect(await refusal(bad, 400)).toBe("name is not valid percent-encoding");
			}
			const read = await fetch(`${base}/v1/counters/aA`);
			expect(v.parse(CounterAnswer, await read.json()).value).toBe(2);
		} finally {
			await stop();
		}
	});

	test("another method or path goes on to the Hono app", async () => {
		const { base, stop } = await served();
		try {
			expect((await fetch(`${base}/v1/counters/hits/incr`)).status).toBe(404);
			const written = await fetch(`${base}/v1/registers/motd`, put('{"value":"hi"}'));
			expect(v.parse(RegisterAnswer, await written.json()).value).toBe("hi");
			const members = await fetch(`${base}/v1/gossip/members`);
			expect(v.parse(GossipMembersAnswer, await members.json()).self).toBe(1);
		} finally {
			await stop();
		}
	});

	test("a plane still starting is 503 there too", async () => {
		const { base, stop } = await served("starting");
		try {
			const response = await fetch(`${base}/v1/counters/a/incr`, post());
			expect(await refusal(response, 503)).toContain("still starting");
		} finally {
			await stop();
		}
	});
});

describe("register routes", () => {
	test("PUT writes, GET reads; an unset register is null", async () => {
		const routes = app();
		const unset = await routes.request("/v1/registers/motd");
		expect(v.parse(RegisterAnswer, await unset.json())).toEqual({ name: "motd", value: null });
		const written = await routes.request("/v1/registers/motd", put('{"value":"hello"}'));
		expect(v.parse(RegisterAnswer, await written.json())).toEqual({ name: "motd", value: "hello" });
		await routes.request("/v1/registers/motd", put('{"value":"again"}'));
		const read = await routes.request("/v1/registers/motd");
		expect(v.parse(RegisterAnswer, await read.json()).value).toBe("again");
	});

	test("a counter and a register may share a name", async () => {
		const routes = app();
		await routes.request("/v1/counters/x/incr", post());
		await routes.request("/v1/registers/x", put('{"value":"v"}'));
		expect(
			v.parse(CounterAnswer, await (await routes.request("/v1/counters/x")).json()).value,
		).toBe(1);
		expect(
			v.parse(RegisterAnswer, await (await routes.request("/v1/registers/x")).json()).value,
		).toBe("v");
	});

	test("a non-string value a peer wrote is shown as its JSON", async () => {
		const view = plane();
		view.store.set(registerKey("cfg"), { a: [1, 2] });
		const read = await app(view).request("/v1/registers/cfg");
		expect(v.parse(RegisterAnswer, await read.json()).value).toBe('{"a":[1,2]}');
	});

	test.each([
		["a value over 512 bytes", `{"value":"${"é".repeat(257)}"}`, "at most 512 bytes"],
		["a number value", '{"value":3}', "value must be a string"],
		["no value", "{}", 'Expected "value"'],
		["not JSON", "nope", 'body must be JSON: {"value": "..."}'],
	])("%s is a 400 that changes nothing", async (_what, body, message) => {
		const routes = app();
		expect(await refusal(await routes.request("/v1/registers/r", put(body)), 400)).toContain(
			message,
		);
		const read = await routes.request("/v1/registers/r");
		expect(v.parse(RegisterAnswer, await read.json()).value).toBeNull();
	});
});

describe("members and the plane's state", () => {
	test("GET /v1/gossip/stats reports the node's gossip traffic", async () => {
		const response = await app().request("/v1/gossip/stats");
		expect(response.status).toBe(200);
		expect(v.parse(GossipTraffic, await response.json())).toEqual(TRAFFIC);
		expect((await app("starting").request("/v1/gossip/stats")).status).toBe(503);
	});

	test("GET /v1/gossip/members lists this node's view, by id", async () => {
		const answer = v.parse(
			GossipMembersAnswer,
			await (await app().request("/v1/gossip/members")).json(),
		);
		expect(answer.self).toBe(1);
		expect(answer.members.map((m) => [m.id, m.state, m.incarnation])).toEqual([
			[1, "alive", 9],
			[2, "dead", 4],
		]);
		expect(answer.members[0]?.meta).toEqual(META);
	});

	test("a plane still starting is 503 gossip-starting; none is 404 gossip-off", async () => {
		const starting = await app("starting").request("/v1/counters/a/incr", post());
		expect(await refusal(starting, 503)).toContain("still starting");
		const off = await app("off").request("/v1/gossip/members");
		expect(await refusal(off, 404)).toContain("runs no gossip");
	});
});
