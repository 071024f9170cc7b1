/**
 * neuroctl against stand-in nodes that speak the control plane's HTTP API
 * (cluster/kv/http-api.ts) from a plain map: the CLI run as a user runs it, over real HTTP.
 * One node leads; another answers NotLeader naming it; a third knows no leader yet.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import * as v from "valibot";
import { parseCtlArgs, UsageError } from "../../cluster/ctl/args.ts";
import { CtlClient, CtlError, EXIT, type Fetch } from "../../cluster/ctl/client.ts";
import { writeSessionId } from "../../cluster/ctl/write-session.ts";
import {
	CasBody,
	CLIENT_ID_HEADER,
	CLIENT_SEQ_HEADER,
	PurgeBody,
	PutBody,
	SESSION_EXPIRED,
	SESSION_EXPIRED_MESSAGE,
	WriteAnswer,
} from "../../cluster/kv/http-api.ts";
import { sessionHeaders } from "../../cluster/kv/session-headers.ts";
import { isRegisteredClientId } from "../../cluster/state/session-table.ts";
import { runCtl } from "../node/node-process.ts";

const servers: ReturnType<typeof Bun.serve>[] = [];
let leader = "";
let follower = "";
let electing = "";
let dead = "";

function leaderApp(): Hono {
	const data = new Map<string, { value: string | null; revision: number }>();
	const state = (key: string) => data.get(key) ?? { value: null, revision: 0 };
	const app = new Hono();
	let sessions = 0;
	app.post("/v1/sessions", (c) => c.json({ client: 2 ** 48 + ++sessions }));
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
	const purges: unknown[] = [];
	app.post("/v1/purge", async (c) => {
		const body = v.safeParse(PurgeBody, await c.req.json());
		if (!body.success)
			return c.json({ error: "bad-request", message: body.issues[0].message }, 400);
		purges.push(body.output);
		return c.json({ purge: body.output, index: 10 + purges.length, duplicate: false });
	});
	const pops = new Map<string, { config: { name: string } | null; revision: number }>();
	const pop = (name: string) => pops.get(name) ?? { config: null, revision: 0 };
	app.get("/v1/pop-config/:name", (c) =>
		c.json({ name: c.req.param("name"), ...pop(c.req.param("name")) }),
	);
	app.put("/v1/pop-config/:name", async (c) => {
		const name = c.req.param("name");
		const body = (await c.req.json()) as { name?: unknown };
		if (body.name !== name)
			return c.json({ error: "bad-request", message: "body: name: does not match" }, 400);
		const next = { config: { ...body, name }, revision: pop(name).revision + 1 };
		pops.set(name, next);
		return c.json({ name, revision: next.revision });
	});
	app.delete("/v1/pop-config/:name", (c) => {
		const name = c.req.param("name");
		const now = pop(name);
		if (now.config === null) return c.json({ name, deleted: false, revision: now.revision });
		pops.set(name, { config: null, revision: now.revision + 1 });
		return c.json({ name, deleted: true, revision: now.revision + 1 });
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
	return runCtl(args, { timeoutMs: 1500 });
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

	test("purge by URL, tag and prefix, through a follower", async () => {
		const at = ["--endpoints", follower];
		const url = await ctl(...at, "purge", "http://cdn.test/a", "--soft");
		expect(url.code).toBe(0);
		expect(url.stdout).toMatch(/^soft-purged http:\/\/cdn.test\/a at index \d+\n$/);
		expect((await ctl(...at, "purge", "--tag", "page-1")).stdout).toMatch(/^purged tag page-1 /);
		const prefix = await ctl(...at, "--json", "purge", "--prefix", "http://cdn.test/img/");
		expect(JSON.parse(prefix.stdout)).toMatchObject({
			purge: { prefix: "http://cdn.test/img/" },
			duplicate: false,
		});
	});

	test("pop-config set, get and del: a file in, JSON out, exit 1 when there is none", async () => {
		const dir = await mkdtemp(join(tmpdir(), "ctl-pop-"));
		const file = join(dir, "fra1.yaml");
		await Bun.write(file, "name: fra1\nregion: eu-central\n");
		const at = ["--endpoints", follower];
		expect((await ctl(...at, "pop-config", "get", "fra1")).code).toBe(1);
		expect((await ctl(...at, "pop-config", "set", "fra1", file)).stdout).toBe("OK revision 1\n");
		const got = await ctl(...at, "--json", "pop-config", "get", "fra1");
		expect(JSON.parse(got.stdout)).toEqual({
			name: "fra1",
			config: { name: "fra1", region: "eu-central" },
			revision: 1,
		});
		const mismatched = await ctl(...at, "pop-config", "set", "iad1", file);
		expect(mismatched.code).toBe(5);
		expect(mismatched.stderr).toContain("does not match");
		expect((await ctl(...at, "pop-config", "del", "fra1")).code).toBe(0);
		expect((await ctl(...at, "pop-config", "del", "fra1")).code).toBe(1);
		const missing = await ctl(...at, "pop-config", "set", "fra1", join(dir, "nope.yaml"));
		expect(missing.code).toBe(2);
		expect(missing.stderr).toContain("no such file");
		await Bun.write(file, "name: [unclosed");
		const broken = await ctl(...at, "pop-config", "set", "fra1", file);
		expect(broken.code).toBe(2);
		expect(broken.stderr).toContain("not valid YAML");
		await rm(dir, { recursive: true });
	});

	test("a request the cluster refuses is exit 5 with its message", async () => {
		const run = await ctl("--endpoints", leader, "put", "_system", "v");
		expect(run.code).toBe(5);
		expect(run.stderr).toContain("refused: keys starting with _ are reserved");
	});
});

describe("neuroctl's client and an expired session", () => {
	test("a 409 session-expired is exit 5 with the node's reason, so a client with a session can start anew", async () => {
		const client = new CtlClient(["http://node.test"], 1_000, {
			fetch: async () =>
				Response.json(
					{ error: SESSION_EXPIRED, message: SESSION_EXPIRED_MESSAGE },
					{ status: 409 },
				),
		});
		const call = client.call("PUT", "/v1/kv/k", { value: "v" }, WriteAnswer, sessionHeaders(9, 2));
		const error = await call.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(CtlError);
		expect(error).toMatchObject({ exitCode: EXIT.refused, reason: "session-expired" });
		expect((error as CtlError).message).toContain("start a new session");
	});
});

describe("neuroctl and a member older than session registration", () => {
	/** Such a member: no /v1/sessions route, so Hono's own 404; it takes any write. */
	function olderMember(writes: Headers[]): Fetch {
		const app = new Hono();
		app.put("/v1/kv/:key", (c) => {
			writes.push(c.req.raw.headers);
			return c.json({ key: c.req.param("key"), revision: 1 });
		});
		return async (url, init) => app.fetch(new Request(url, init));
	}

	test("its 404 for POST /v1/sessions makes the write carry an id of the client's own, at seq 1", async () => {
		const writes: Headers[] = [];
		const client = new CtlClient(["http://old.test"], 1_000, { fetch: olderMember(writes) });
		const id = await writeSessionId(client);
		expect(isRegisteredClientId(id)).toBe(false);
		expect(id).toBeGreaterThan(0);
		await client.call("PUT", "/v1/kv/k", { value: "v" }, WriteAnswer, sessionHeaders(id, 1));
		expect(writes.map((h) => [h.get(CLIENT_ID_HEADER), h.get(CLIENT_SEQ_HEADER)])).toEqual([
			[String(id), "1"],
		]);
	});

	test("the CLI writes through such a member", async () => {
		const writes: Headers[] = [];
		const handler = olderMember(writes);
		const old = serve((request) => handler(request.url, request));
		const run = await ctl("--endpoints", old, "put", "k", "v");
		expect(run.stdout).toBe("OK revision 1\n");
		expect(run.code).toBe(0);
		expect(writes[0]?.get(CLIENT_SEQ_HEADER)).toBe("1");
	});

	test("a registered member's id is kept; a 404 that names an error, or another refusal, stands", async () => {
		const answering = (response: () => Response) =>
			new CtlClient(["http://node.test"], 1_000, { fetch: async () => response() });
		const registered = answering(() => Response.json({ client: 2 ** 48 + 7 }));
		expect(await writeSessionId(registered)).toBe(2 ** 48 + 7);
		const named = answering(() =>
			Response.json({ error: "not-found", message: "no such thing" }, { status: 404 }),
		);
		expect(await writeSessionId(named).catch((e: unknown) => e)).toMatchObject({
			status: 404,
			reason: "not-found",
		});
		const unauthorized = answering(() => new Response("no", { status: 401 }));
		expect(await writeSessionId(unauthorized).catch((e: unknown) => e)).toBeInstanceOf(CtlError);
		const refused = answering(() => new Response("down for maintenance", { status: 500 }));
		expect(await writeSessionId(refused).catch((e: unknown) => e)).toMatchObject({ status: 500 });
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

	test("a flag given twice is refused, not settled by whichever came last", () => {
		expect(refused("--endpoints", "http://a:1", "--endpoints", "http://b:1", "status")).toContain(
			"--endpoints given more than once",
		);
		expect(refused("--json", "status", "--json")).toContain("--json given more than once");
	});

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
		expect(parseCtlArgs(["purge", "http://cdn.test/a"], {}).command).toEqual({
			kind: "purge",
			purge: { url: "http://cdn.test/a" },
		});
		expect(parseCtlArgs(["purge", "--tag", "t", "--soft"], {}).command).toEqual({
			kind: "purge",
			purge: { tag: "t", soft: true },
		});
		expect(parseCtlArgs(["purge", "--prefix", "https://cdn.test/img/"], {}).command).toEqual({
			kind: "purge",
			purge: { prefix: "https://cdn.test/img/" },
		});
		expect(parseCtlArgs(["pop-config", "set", "fra1", "pops/fra1.yaml"], {}).command).toEqual({
			kind: "pop-config-set",
			name: "fra1",
			file: "pops/fra1.yaml",
		});
		expect(parseCtlArgs(["pop-config", "get", "fra1"], {}).command).toEqual({
			kind: "pop-config-get",
			name: "fra1",
		});
		expect(parseCtlArgs(["pop-config", "del", "fra1"], {}).command).toEqual({
			kind: "pop-config-del",
			name: "fra1",
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
		const purgeForm =
			"expected: purge URL | purge --tag TAG | purge --prefix URL, each with optional --soft";
		expect(refused("purge")).toBe(purgeForm);
		expect(refused("purge", "http://a/", "--tag", "t")).toBe(purgeForm);
		expect(refused("purge", "--tag", "t", "--prefix", "http://a/")).toBe(purgeForm);
		expect(refused("purge", "http://a/", "http://b/")).toBe(purgeForm);
		expect(refused("purge", "/relative")).toMatch(/^URL: /);
		expect(refused("purge", "--tag", "")).toMatch(/^--tag: /);
		expect(refused("purge", "--prefix", "cdn.test/img")).toMatch(/^--prefix: /);
		expect(refused("get", "k", "--soft")).toBe("--soft, --tag and --prefix only go with purge");
		expect(refused("pop-config")).toBe("expected: pop-config get|set|del NAME");
		expect(refused("pop-config", "list")).toBe("unknown pop-config action: list");
		expect(refused("pop-config", "get", "Fra 1")).toMatch(/^NAME: /);
		expect(refused("pop-config", "set", "fra1")).toBe("expected: pop-config set NAME FILE");
		expect(refused("pop-config", "del")).toBe("expected: pop-config del NAME");
	});

	test("the CLI prints usage and exits 2 on bad arguments", async () => {
		const run = await ctl("put");
		expect(run.code).toBe(2);
		expect(run.stderr).toContain("usage: neuroctl");
	});
});
