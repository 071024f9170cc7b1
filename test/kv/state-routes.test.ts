/**
 * The purge and POP config routes in process, against a stand-in member: what reaches the
 * member, what is refused before it (400), NotLeader from a follower (503 naming the leader),
 * and a write whose session expired (409 session-expired; KV writes too).
 */
import { describe, expect, test } from "bun:test";
import { createKvApp, type KvMember } from "../../cluster/kv/http-app.ts";
import type { KvOp } from "../../cluster/kv/ops.ts";
import { KvStore } from "../../cluster/kv/store.ts";
import { encodePopConfigCommand, type PopConfigOp } from "../../cluster/pop-config/command.ts";
import { PopConfigMachine } from "../../cluster/pop-config/machine.ts";
import type { PurgeRequest } from "../../edge/purge.ts";
import { fra1 } from "../pop-config/fixtures.ts";

function standIn(leading: boolean, maxSessions?: number) {
	const purges: PurgeRequest[] = [];
	const pops = new PopConfigMachine();
	const kv = new KvStore(maxSessions === undefined ? {} : { maxSessions });
	const member = {
		id: 1,
		propose: async (client: number, seq: number, op: Exclude<KvOp, { kind: "get" }>) => {
			if (!leading) return { kind: "notLeader", leader: 2 } as const;
			const outcome = kv.applyCommand(kv.appliedIndex + 1, { client, seq, op });
			if (outcome.kind === "stale") throw new Error("unexpected");
			if (outcome.kind === "session-expired") return { kind: "session-expired" } as const;
			return { kind: "ok", result: outcome.result } as const;
		},
		proposePurge: async (_client: number, _seq: number, purge: PurgeRequest) => {
			if (!leading) return { kind: "notLeader", leader: 2 } as const;
			purges.push(purge);
			return { kind: "ok", result: { index: 7, duplicate: false } } as const;
		},
		proposePopConfig: async (client: number, seq: number, op: PopConfigOp) => {
			if (!leading) return { kind: "notLeader", leader: 2 } as const;
			const applied = pops.apply(
				pops.appliedIndex + 1,
				encodePopConfigCommand({ client, seq, op }),
			);
			if (applied.kind !== "command" || applied.outcome.kind === "stale")
				throw new Error("unexpected");
			if (applied.outcome.kind === "session-expired") return { kind: "session-expired" } as const;
			return { kind: "ok", result: applied.outcome.result } as const;
		},
		readPopConfig: async (name: string) =>
			leading
				? ({ kind: "ok", result: pops.get(name) } as const)
				: ({ kind: "notLeader", leader: 2 } as const),
	} as unknown as KvMember;
	const app = createKvApp(member, new Map([[2, "http://leader.test:2380"]]));
	return { app, purges, kv };
}

const json = (method: string, body: unknown, headers: Record<string, string> = {}) => ({
	method,
	headers: { "content-type": "application/json", ...headers },
	body: typeof body === "string" ? body : JSON.stringify(body),
});

describe("POST /v1/purge", () => {
	test("a purge goes to the member and answers with its index", async () => {
		const { app, purges } = standIn(true);
		const response = await app.request(
			"/v1/purge",
			json("POST", { prefix: "http://cdn.test/img/", soft: true }),
		);
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({
			purge: { prefix: "http://cdn.test/img/", soft: true },
			index: 7,
			duplicate: false,
		});
		expect(purges).toEqual([{ prefix: "http://cdn.test/img/", soft: true }]);
	});

	test.each([
		["not JSON", "{"],
		["no selector", {}],
		["a relative URL", { url: "/a" }],
		["two selectors", { tag: "t", prefix: "http://cdn.test/" }],
	])("%s is a 400 and reaches no log", async (_name, body) => {
		const { app, purges } = standIn(true);
		const response = await app.request("/v1/purge", json("POST", body));
		expect(response.status).toBe(400);
		expect(await response.json()).toMatchObject({ error: "bad-request" });
		expect(purges).toEqual([]);
	});

	test("a tag with a comma or whitespace is a 400 naming the tag: no stored object has one", async () => {
		for (const tag of ["a,b", "a b", "a\tb"]) {
			const { app, purges } = standIn(true);
			const response = await app.request("/v1/purge", json("POST", { tag }));
			expect(response.status).toBe(400);
			expect(JSON.stringify(await response.json())).toContain(
				"tag must not contain a comma or whitespace",
			);
			expect(purges).toEqual([]);
		}
	});

	test("a prefix with a query or fragment is a 400 naming the prefix: keys normalize queries", async () => {
		for (const prefix of ["http://cdn.test/search?q=a", "http://cdn.test/a#b"]) {
			const { app, purges } = standIn(true);
			const response = await app.request("/v1/purge", json("POST", { prefix }));
			expect(response.status).toBe(400);
			expect(JSON.stringify(await response.json())).toContain("prefix must not carry a query");
			expect(purges).toEqual([]);
		}
	});

	test("half a session is a 400; a follower answers NotLeader naming the leader", async () => {
		const { app } = standIn(true);
		const half = await app.request(
			"/v1/purge",
			json("POST", { tag: "t" }, { "neuro-client-id": "5" }),
		);
		expect(half.status).toBe(400);
		const follower = standIn(false).app;
		const response = await follower.request("/v1/purge", json("POST", { tag: "t" }));
		expect(response.status).toBe(503);
		expect(await response.json()).toEqual({
			error: "not-leader",
			leader: "http://leader.test:2380",
		});
	});
});

describe("/v1/pop-config/NAME", () => {
	test("put, get, delete", async () => {
		const { app } = standIn(true);
		expect(await (await app.request("/v1/pop-config/fra1")).json()).toEqual({
			name: "fra1",
			config: null,
			revision: 0,
		});
		const put = await app.request("/v1/pop-config/fra1", json("PUT", fra1));
		expect(await put.json()).toEqual({ name: "fra1", revision: 1 });
		expect(await (await app.request("/v1/pop-config/fra1")).json()).toEqual({
			name: "fra1",
			config: fra1,
			revision: 1,
		});
		const del = await app.request("/v1/pop-config/fra1", { method: "DELETE" });
		expect(await del.json()).toEqual({ name: "fra1", deleted: true, revision: 2 });
	});

	test.each([
		["a bad name", "/v1/pop-config/Fra%201", fra1, /POP name/],
		["not JSON", "/v1/pop-config/fra1", "{", /JSON/],
		["an invalid document", "/v1/pop-config/fra1", { ...fra1, tiers: {} }, /tiers\.memoryMb/],
		["another POP's document", "/v1/pop-config/iad1", fra1, /path names iad1/],
		[
			"a large store too small to take an object",
			"/v1/pop-config/fra1",
			{ ...fra1, tiers: { memoryMb: 256, largeMb: 3 } },
			/tiers\.largeMb: must be 0 \(off\) or at least 5 MiB/,
		],
		[
			"an oversized document",
			"/v1/pop-config/fra1",
			{ ...fra1, pad: "x".repeat(70_000) },
			/at most/,
		],
	])("%s is a 400 and reaches no log", async (_name, path, body, message) => {
		const { app } = standIn(true);
		const response = await app.request(path, json("PUT", body));
		expect(response.status).toBe(400);
		expect(((await response.json()) as { message: string }).message).toMatch(message);
		expect(await (await app.request("/v1/pop-config/fra1")).json()).toMatchObject({ revision: 0 });
	});

	test("a follower answers reads and writes with NotLeader", async () => {
		const { app } = standIn(false);
		expect((await app.request("/v1/pop-config/fra1")).status).toBe(503);
		expect((await app.request("/v1/pop-config/fra1", json("PUT", fra1))).status).toBe(503);
		expect((await app.request("/v1/pop-config/fra1", { method: "DELETE" })).status).toBe(503);
	});
});

describe("a write whose session expired", () => {
	const session = (client: number, seq: number) => ({
		"neuro-client-id": String(client),
		"neuro-client-seq": String(seq),
	});
	const expectSessionExpired = async (response: Response) => {
		expect(response.status).toBe(409);
		const body = (await response.json()) as { error: string; message: string };
		expect(body.error).toBe("session-expired");
		expect(body.message).toMatch(/start a new session .*Neuro-Client-Seq 1/);
	};

	test("POP config: a 409 session-expired, nothing set; a new session (seq 1) goes through", async () => {
		const { app } = standIn(true);
		await expectSessionExpired(
			await app.request("/v1/pop-config/fra1", json("PUT", fra1, session(42, 3))),
		);
		await expectSessionExpired(
			await app.request("/v1/pop-config/fra1", { method: "DELETE", headers: session(42, 4) }),
		);
		expect(await (await app.request("/v1/pop-config/fra1")).json()).toMatchObject({ revision: 0 });
		const fresh = await app.request("/v1/pop-config/fra1", json("PUT", fra1, session(43, 1)));
		expect(await fresh.json()).toEqual({ name: "fra1", revision: 1 });
	});

	test("KV put, delete and compare-and-set: a 409 session-expired, nothing written", async () => {
		const { app } = standIn(true);
		await expectSessionExpired(
			await app.request("/v1/kv/k", json("PUT", { value: "v" }, session(42, 2))),
		);
		await expectSessionExpired(
			await app.request("/v1/kv/k", { method: "DELETE", headers: session(42, 3) }),
		);
		await expectSessionExpired(
			await app.request("/v1/cas/k", json("POST", { expected: null, value: "v" }, session(42, 4))),
		);
		// Without headers a write has no session: never session-expired.
		const plain = await app.request("/v1/kv/k", json("PUT", { value: "v" }));
		expect(await plain.json()).toEqual({ key: "k", revision: 1 });
	});

	test("writes without a session take no session slot: a retrying client's outlives any number of them", async () => {
		const { app, kv } = standIn(true, 2);
		const first = await app.request("/v1/kv/k", json("PUT", { value: "mine" }, session(42, 1)));
		expect(await first.json()).toEqual({ key: "k", revision: 1 });
		for (let i = 0; i < 5; i++) {
			const plain = await app.request("/v1/kv/other", json("PUT", { value: String(i) }));
			expect(plain.status).toBe(200);
		}
		expect(kv.sessionCount).toBe(1);
		// The retry of client 42's write is still recognized: the first answer, nothing rewritten.
		const retry = await app.request("/v1/kv/k", json("PUT", { value: "mine" }, session(42, 1)));
		expect(await retry.json()).toEqual({ key: "k", revision: 1 });
	});
});
