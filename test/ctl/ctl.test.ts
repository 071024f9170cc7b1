/**
 * neuroctl against stand-in nodes that speak the control plane's HTTP API
 * (cluster/kv/http-api.ts) from a plain map: the CLI run as a user runs it, over real HTTP.
 * One node leads; another answers NotLeader naming it; a third knows no leader yet.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Hono } from "hono";
import * as v from "valibot";
import { parseCtlArgs, UsageError } from "../../cluster/ctl/args.ts";
import { CasBody, PutBody } from "../../cluster/kv/http-api.ts";
import { runToEnd } from "../node/node-process.ts";

const CTL = join(new URL("../..", import.meta.url).pathname, "cluster", "ctl.ts");
const servers: ReturnType<typeof Bun.serve>[] = [];
let leader = "";
let follower = "";
let electing = "";
let dead = "";

function leaderApp(): Hono {
	const data = new Map<string, { value: string | null; revision: number }>();
	const state = (key: string) => data.get(key) ?? { value: null, revision: 0 };
	const app = new Hono();
	app.get("/v1/kv/:key", (c) => c.json({ key: c.req.param("key"), ...state(c.req.param("key")) }));
	app.put("/v1/kv/:key", async (c) => {
		const body = v.safeParse(PutBody, await c.req.json());
		if (!body.success)
			return c.json({ error: "bad-request", message: body.issues[0].message }, 400);
		const key = c.req.param("key");
		if (key.startsWith("_"))
			return c.json({ error: "bad-request", message: "keys starting with _ are reserved" }, 400);
		const next = { value: body.output.value, revision: state(key).revision + 1 };
		data.set(key, next);
		return c.json({ key, revision: next.revision });
	});
	app.delete("/v1/kv/:key", (c) => {
		const key = c.req.param("key");
		const now = state(key);
		if (now.value === null) return c.json({ key, deleted: false, revision: now.revision });
		data.set(key, { value: null, revision: now.revision + 1 });
		return c.json({ key, deleted: true, revision: now.revision + 1 });
	});
	app.post("/v1/cas/:key", async (c) => {
		const body = v.parse(CasBody, await c.req.json());
		const key = c.req.param("key");
		const now = state(key);
		if (now.value !== body.expected) return c.json({ key, ok: false, ...now });
		data.set(key, { value: body.value, revision: now.revision + 1 });
		return c.json({ key, ok: true, value: body.value, revision: now.revision + 1 });
	});
	app.get("/v1/status", (c) =>
		c.json({ id: 1, role: "leader", term: 3, leader: 1, commit: 9, applied: 9 }),
	);
	app.get("/v1/members", (c) =>
		c.json({
			members: [
				{ id: 1, address: leader, role: "voter" },
				{ id: 2, address: follower, role: "voter" },
			],
		}),
	);
	return app;
}

function serve(fetchHandler: (request: Request) => Response | Promise<Response>): string {
	const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: fetchHandler });
	servers.push(server);
	return `http://127.0.0.1:${server.port}`;
}

beforeAll(() => {
	leader = serve(leaderApp().fetch);
	follower = serve(() => Response.json({ error: "not-leader", leader }, { status: 503 }));
	electing = serve(() => Response.json({ error: "not-leader", leader: null }, { status: 503 }));
	// A port that was free a moment ago: nothing listens there.
	const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
	dead = `http://127.0.0.1:${probe.port}`;
	probe.stop(true);
});
afterAll(() => {
	for (const server of servers) server.stop(true);
});

function ctl(...args: string[]) {
	return runToEnd([process.execPath, CTL, "--timeout-ms", "1500", ...args], {
		env: { NEURO_ENDPOINTS: undefined },
	});
}

describe("neuroctl", () => {
	test("put, get, cas and del through a follower: NotLeader is followed to the leader", async () => {
		const at = ["--endpoints", follower];
		expect((await ctl(...at, "put", "greeting", "hello")).stdout).toBe("OK revision 1\n");
		expect((await ctl(...at, "get", "greeting")).stdout).toBe("hello\n");
		const failed = await ctl(...at, "cas", "greeting", "nope", "bye");
		expect(failed.code).toBe(3);
		expect(failed.stdout).toBe('compare failed: greeting holds "hello"\n');
		expect((await ctl(...at, "cas", "greeting", "hello", "bye")).code).toBe(0);
		expect((await ctl(...at, "cas", "fresh", "--absent", "new")).stdout).toBe("OK revision 1\n");
		expect((await ctl(...at, "del", "greeting")).code).toBe(0);
		const gone = await ctl(...at, "get", "greeting");
		expect(gone.code).toBe(1);
		expect(gone.stdout).toBe("greeting: not found\n");
	});

	test("--json prints the answer for scripts; keys with odd characters travel encoded", async () => {
		await ctl("--endpoints", leader, "put", "a/b c?d", "v");
		const got = await ctl("--endpoints", leader, "--json", "get", "a/b c?d");
		expect(JSON.parse(got.stdout)).toEqual({ key: "a/b c?d", value: "v", revision: 1 });
	});

	test("status and members", async () => {
		const status = await ctl("--endpoints", leader, "status");
		expect(status.stdout).toBe("node 1: leader, term 3, leader 1, commit 9, applied 9\n");
		const members = await ctl("--endpoints", leader, "members");
		expect(members.stdout).toBe(`1\tvoter\t${leader}\n2\tvoter\t${follower}\n`);
	});

	test("a dead endpoint is skipped for the next one", async () => {
		const run = await ctl("--endpoints", `${dead},${leader}`, "get", "missing");
		expect(run.code).toBe(1);
	});

	test("an unreachable cluster, or one with no leader, is exit 4 with the reason", async () => {
		const unreachable = await ctl("--endpoints", dead, "get", "k");
		expect(unreachable.code).toBe(4);
		expect(unreachable.stderr).toMatch(/no answer from the cluster within 1500 ms/);
		const noLeader = await ctl("--endpoints", electing, "put", "k", "v");
		expect(noLeader.code).toBe(4);
		expect(noLeader.stderr).toContain("no leader known");
	});

	test("a request the cluster refuses is exit 5 with its message", async () => {
		const run = await ctl("--endpoints", leader, "put", "_system", "v");
		expect(run.code).toBe(5);
		expect(run.stderr).toContain("refused: keys starting with _ are reserved");
	});
});

describe("neuroctl arguments", () => {
	const refused = (...argv: string[]) => {
		try {
			parseCtlArgs(argv, {});
		} catch (error) {
			if (error instanceof UsageError) return error.message;
			throw error;
		}
		throw new Error("expected a usage error");
	};

	test("each command's shape", () => {
		expect(
			parseCtlArgs(["members", "add", "4", "http://h:1/", "h:7004", "--learner"], {}).command,
		).toEqual({
			kind: "member-add",
			id: 4,
			address: "http://h:1",
			raftAddress: "h:7004",
			learner: true,
		});
		expect(parseCtlArgs(["leader", "transfer", "2"], {}).command).toEqual({
			kind: "leader-transfer",
			to: 2,
		});
		expect(
			parseCtlArgs(["status"], { NEURO_ENDPOINTS: "http://a:1,http://b:2" }).endpoints,
		).toEqual(["http://a:1", "http://b:2"]);
	});

	test("bad arguments are refused with the reason", () => {
		expect(refused()).toBe("no command given");
		expect(refused("frobnicate")).toBe("unknown command: frobnicate");
		expect(refused("put", "k")).toBe("expected: put KEY VALUE");
		expect(refused("get", "")).toBe("KEY: key must not be empty");
		expect(refused("members", "add", "0", "http://h:1", "h:2")).toBe(
			"ID: a member id is a positive whole number",
		);
		expect(refused("members", "add", "2", "ftp://h", "h:2")).toMatch(/^URL: /);
		expect(refused("members", "add", "2", "http://h:1")).toBe(
			"expected: members add ID URL HOST:PORT [--learner]",
		);
		expect(refused("members", "add", "2", "http://h:1", "h")).toMatch(/^HOST:PORT: /);
		expect(refused("members", "add", "2", "http://h:1", "h:0")).toMatch(/^HOST:PORT: /);
		expect(refused("members", "promote", "x")).toBe("ID: a member id is a positive whole number");
		expect(refused("members", "remove")).toBe("expected: members remove ID");
		expect(refused("members", "evict", "2")).toBe("unknown members action: evict");
		expect(refused("leader", "transfer")).toBe("expected: leader transfer ID");
		expect(refused("members", "remove", "2", "--learner")).toBe(
			"--learner only goes with members add",
		);
		expect(refused("--endpoints", "nope", "status")).toMatch(/^--endpoints: /);
		expect(refused("--timeout-ms", "soon", "status")).toMatch(/^--timeout-ms/);
		expect(refused("get", "k", "--absent")).toBe("--absent only goes with cas");
		expect(refused("--frob", "status")).toMatch(/frob/);
	});

	test("the CLI prints usage and exits 2 on bad arguments", async () => {
		const run = await ctl("put");
		expect(run.code).toBe(2);
		expect(run.stderr).toContain("usage: neuroctl");
	});
});
