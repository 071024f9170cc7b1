/**
 * The control plane's API with a token configured, in process through createKvApp (with the
 * member's observability routes and the gossip plane's mounted on it, as control-plane.ts
 * does): every route that reads or changes replicated state or membership refuses a
 * request without the token or with a wrong one (401, WWW-Authenticate, a JSON ErrorAnswer)
 * and the member hears nothing of it; the token, its scheme in any case, is let through;
 * status, health and metrics stay open; without a token configured everything is open.
 */
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import {
	guardNativeRoutes,
	OPEN_ROUTES,
	unauthenticatedWarning,
} from "../../cluster/kv/api-auth.ts";
import { crdtApi } from "../../cluster/kv/crdt-routes.ts";
import { ErrorAnswer, UNAUTHORIZED } from "../../cluster/kv/http-api.ts";
import { createKvApp, type KvMember } from "../../cluster/kv/http-app.ts";
import { createObserveApp } from "../../cluster/kv/observe-app.ts";
import { applyToKey, EMPTY_KEY, type KeyState } from "../../cluster/kv/ops.ts";
import { LatencyHistogram } from "../../cluster/raft-node/latency-histogram.ts";
import { fra1 } from "../pop-config/fixtures.ts";
import { quietGossipView } from "./gossip-view.ts";

const TOKEN = "s3cret-token";

/** A leading member that records every call the API makes of it. */
function standIn() {
	const calls: string[] = [];
	const keys = new Map<string, KeyState>();
	const status = {
		id: 1,
		role: "leader",
		term: 2,
		leader: 1,
		commit: 5,
		applied: 5,
		lastIndex: 5,
		snapshotIndex: 0,
	};
	const members = [
		{ id: 1, role: "voter" as const, raftAddress: undefined, apiAddress: "http://a.test:1" },
	];
	const member: KvMember = {
		id: 1,
		propose: async (_client, _seq, op) => {
			calls.push(`propose ${op.kind}`);
			const { state, result } = applyToKey(keys.get(op.key) ?? EMPTY_KEY, op);
			keys.set(op.key, state);
			return { kind: "ok", result };
		},
		read: async (key) => {
			calls.push("read");
			return {
				kind: "ok",
				result: applyToKey(keys.get(key) ?? EMPTY_KEY, { kind: "get", key }).result,
			};
		},
		registerSession: async () => {
			calls.push("register session");
			return { kind: "ok", result: { client: 2 ** 48 + 9 } };
		},
		members: () => members,
		changeMembership: async (change) => {
			calls.push(`membership ${change.kind}`);
			return { kind: "ok", members };
		},
		transferLeadership: async (target) => {
			calls.push("transfer");
			return { kind: "ok", leader: target };
		},
		status: () => status,
		proposePurge: async () => {
			calls.push("purge");
			return { kind: "ok", result: { index: 7, duplicate: false } };
		},
		proposePopConfig: async (_client, _seq, op) => {
			calls.push(`pop-config ${op.kind}`);
			return op.kind === "set"
				? { kind: "ok", result: { kind: "set", name: op.name, revision: 1 } }
				: { kind: "ok", result: { kind: "delete", name: op.name, deleted: false, revision: 1 } };
		},
		readPopConfig: async () => {
			calls.push("read pop-config");
			return { kind: "ok", result: { config: null, revision: 0 } };
		},
	};
	return { member, calls, status };
}

/** The API as control-plane.ts builds it: the KV app with health, metrics and gossip on it. */
function api(token: string | undefined) {
	const { member, calls, status } = standIn();
	const app = createKvApp(member, new Map(), { apiToken: token });
	const fsync = new LatencyHistogram();
	app.route(
		"/",
		createObserveApp({
			status: () => status,
			logBytes: async () => 0,
			fsyncLatency: () => fsync.summary(),
		}),
	);
	const { view, store } = quietGossipView();
	const gossip = crdtApi(() => view);
	app.route("/", gossip.app);
	return { app, calls, store, native: gossip.native };
}

const json = (body: unknown) => JSON.stringify(body);

/** Every route that reads or changes replicated state or membership, with a valid request. */
const PROTECTED: readonly (readonly [method: string, path: string, body?: string])[] = [
	["GET", "/v1/kv/greeting"],
	["PUT", "/v1/kv/greeting", json({ value: "hello" })],
	["DELETE", "/v1/kv/greeting"],
	["POST", "/v1/cas/greeting", json({ expected: null, value: "hi" })],
	["POST", "/v1/sessions"],
	["GET", "/v1/members"],
	["POST", "/v1/members", json({ id: 4, address: "http://d.test:1", raftAddress: "d.test:2" })],
	["DELETE", "/v1/members/3"],
	["POST", "/v1/members/3/promote"],
	["POST", "/v1/leader/transfer", json({ to: 2 })],
	["POST", "/v1/purge", json({ url: "http://cdn.test/a" })],
	["GET", "/v1/pop-config/fra1"],
	["PUT", "/v1/pop-config/fra1", json(fra1)],
	["DELETE", "/v1/pop-config/fra1"],
	["POST", "/v1/counters/hits/incr"],
	["POST", "/v1/counters/hits/decr"],
	["GET", "/v1/counters/hits"],
	["PUT", "/v1/registers/motd", json({ value: "hi" })],
	["GET", "/v1/registers/motd"],
	["GET", "/v1/gossip/members"],
	["GET", "/v1/gossip/stats"],
];

const request = (
	[method, path, body]: (typeof PROTECTED)[number],
	authorization?: string,
): [string, RequestInit] => [
	path,
	{
		method,
		headers: {
			...(body === undefined ? {} : { "content-type": "application/json" }),
			...(authorization === undefined ? {} : { authorization }),
		},
		...(body === undefined ? {} : { body }),
	},
];

describe("with a token configured", () => {
	test.each([
		["no Authorization header", undefined, 'Bearer realm="neurocache"'],
		["another scheme", `Basic ${btoa(`admin:${TOKEN}`)}`, 'Bearer realm="neurocache"'],
		["a wrong token", "Bearer not-it", 'Bearer realm="neurocache", error="invalid_token"'],
		[
			"the token with more after it",
			`Bearer ${TOKEN}x`,
			'Bearer realm="neurocache", error="invalid_token"',
		],
		[
			"a prefix of the token",
			`Bearer ${TOKEN.slice(0, -1)}`,
			'Bearer realm="neurocache", error="invalid_token"',
		],
		// Headers trim the value: what arrives is the bare scheme, no credentials at all.
		["an empty bearer", "Bearer ", 'Bearer realm="neurocache"'],
	])(
		"%s: every protected route is a 401 that reaches no member",
		async (_name, authorization, challenge) => {
			const { app, calls, store } = api(TOKEN);
			for (const route of PROTECTED) {
				const response = await app.request(...request(route, authorization));
				const answer = v.parse(ErrorAnswer, await response.json());
				expect({ route, status: response.status, error: answer.error }).toEqual({
					route,
					status: 401,
					error: UNAUTHORIZED,
				});
				expect(response.headers.get("www-authenticate")).toBe(challenge);
			}
			expect(calls).toEqual([]);
			expect(store.count("counter/hits")).toBe(0);
			expect(store.get("register/motd")).toBeUndefined();
		},
	);

	test("the token lets every protected route through, its scheme in any case", async () => {
		for (const scheme of ["Bearer", "bearer", "BEARER"]) {
			const { app, calls } = api(TOKEN);
			for (const route of PROTECTED) {
				const response = await app.request(...request(route, `${scheme}  ${TOKEN}`));
				expect({ route, scheme, status: response.status }).toEqual({ route, scheme, status: 200 });
			}
			expect(calls).toContain("propose put");
			expect(calls).toContain("register session");
			expect(calls).toContain("membership addVoter");
			expect(calls).toContain("purge");
			expect(calls).toContain("pop-config set");
		}
	});

	test("a refused message says whether a token was sent", async () => {
		const { app } = api(TOKEN);
		const missing = await app.request("/v1/kv/k");
		expect(v.parse(ErrorAnswer, await missing.json()).message).toContain("NEURO_ADMIN_TOKEN");
		const wrong = await app.request("/v1/kv/k", { headers: { authorization: "Bearer no" } });
		expect(v.parse(ErrorAnswer, await wrong.json()).message).toContain("not the one");
	});

	test("status, health and metrics stay open: they tell how this member does, not what it holds", async () => {
		const { app } = api(TOKEN);
		expect([...OPEN_ROUTES].sort()).toEqual(["/health", "/metrics", "/metrics.json", "/v1/status"]);
		for (const path of OPEN_ROUTES) {
			const response = await app.request(path);
			expect({ path, status: response.status }).toEqual({ path, status: 200 });
		}
		// Open for reading only; anything else on those paths, or a path near them, takes the token.
		expect((await app.request("/v1/status", { method: "POST" })).status).toBe(401);
		expect((await app.request("/v1/status/")).status).toBe(401);
		expect((await app.request("/v1/nothing-here")).status).toBe(401);
	});

	test("the native counter routes (Bun's router, before Hono) take the token too", async () => {
		const { native, store } = api(TOKEN);
		const guarded = guardNativeRoutes(native, TOKEN);
		const incr = guarded["/v1/counters/:name/incr"]?.POST;
		if (incr === undefined) throw new Error("no native incr route");
		const refused = await incr(
			new Request("http://api.test/v1/counters/hits/incr", { method: "POST" }),
		);
		expect(refused.status).toBe(401);
		expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="neurocache"');
		expect(store.count("counter/hits")).toBe(0);
		const taken = await incr(
			new Request("http://api.test/v1/counters/hits/incr", {
				method: "POST",
				headers: { authorization: `Bearer ${TOKEN}` },
			}),
		);
		expect(taken.status).toBe(200);
		expect(store.count("counter/hits")).toBe(1);
	});
});

describe("without a token configured", () => {
	test("every route is open, as before", async () => {
		const { app, calls } = api(undefined);
		for (const route of PROTECTED) {
			const response = await app.request(...request(route));
			expect({ route, status: response.status }).toEqual({ route, status: 200 });
		}
		expect(calls).toContain("propose put");
	});

	test("the native routes are served as they are", () => {
		const { native } = api(undefined);
		expect(guardNativeRoutes(native, undefined)).toBe(native);
	});

	test("the warning names the API and how to set the token", () => {
		const line = unauthenticatedWarning("http://127.0.0.1:2380");
		expect(line).toStartWith("WARN cluster API on http://127.0.0.1:2380 is unauthenticated");
		expect(line).toContain("NEURO_ADMIN_TOKEN");
	});
});
