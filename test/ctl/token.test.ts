/**
 * neuroctl and the API token: against a stand-in node that takes requests only with the
 * token (the API's own check, cluster/kv/api-auth.ts), over real HTTP. The token comes from
 * NEURO_ADMIN_TOKEN or --token-file and goes with every request, redirects to the leader
 * too; a 401 is exit 5 saying whether a token was sent; a token file that is missing, a
 * directory or holds no valid token is exit 2 before anything is sent.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCtlArgs, UsageError } from "../../cluster/ctl/args.ts";
import { apiRefusal } from "../../cluster/kv/api-auth.ts";
import { runCtl } from "../node/node-process.ts";

const TOKEN = "ctl-test-token";
const dir = mkdtempSync(join(tmpdir(), "ctl-token-"));
const servers: ReturnType<typeof Bun.serve>[] = [];
/** The Authorization header of every request the leader took. */
const seen: (string | null)[] = [];
let leader = "";
let follower = "";

function serve(fetch: (request: Request) => Response | Promise<Response>): string {
	const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch });
	servers.push(server);
	return `http://127.0.0.1:${server.port}`;
}

/** Checks the token as a member does, then answers a session's registration or a put. */
function guarded(answer: () => Response) {
	return (request: Request) => {
		const path = new URL(request.url).pathname;
		const refused = apiRefusal(
			request.method,
			path,
			request.headers.get("authorization") ?? undefined,
			TOKEN,
		);
		return refused ?? answer();
	};
}

beforeAll(() => {
	leader = serve((request) => {
		seen.push(request.headers.get("authorization"));
		const registering = new URL(request.url).pathname === "/v1/sessions";
		return guarded(() =>
			Response.json(registering ? { client: 2 ** 48 + 1 } : { key: "k", revision: 1 }),
		)(request);
	});
	follower = serve(guarded(() => Response.json({ error: "not-leader", leader }, { status: 503 })));
});
afterAll(() => {
	for (const server of servers) server.stop(true);
	rmSync(dir, { recursive: true, force: true });
});

function ctl(args: readonly string[], token?: string) {
	return runCtl(args, {
		endpoints: [follower],
		timeoutMs: 2000,
		...(token === undefined ? {} : { token }),
	});
}

function tokenFile(name: string, text: string): string {
	const path = join(dir, name);
	writeFileSync(path, text);
	return path;
}

describe("neuroctl against a cluster that takes a token", () => {
	test("NEURO_ADMIN_TOKEN goes with every request, the redirect to the leader too", async () => {
		seen.length = 0;
		const run = await ctl(["put", "k", "v"], TOKEN);
		expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({
			code: 0,
			stdout: "OK revision 1\n",
			stderr: "",
		});
		// The session's registration, then the write.
		expect(seen).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
	});

	test("--token-file PATH: the file's one line (its newline dropped), over NEURO_ADMIN_TOKEN", async () => {
		const path = tokenFile("token", `${TOKEN}\n`);
		const run = await ctl(["--token-file", path, "put", "k", "v"], "not-the-token");
		expect(run.code).toBe(0);
	});

	test("no token: exit 5, saying the API requires one and how to give it", async () => {
		const run = await ctl(["put", "k", "v"]);
		expect(run.code).toBe(5);
		expect(run.stderr).toContain(
			"refused: the cluster API requires a token: set NEURO_ADMIN_TOKEN or pass --token-file PATH",
		);
	});

	test("a wrong token: exit 5, saying it is not the cluster's; --json prints the error", async () => {
		const run = await ctl(["--json", "put", "k", "v"], "not-the-token");
		expect(run.code).toBe(5);
		expect(run.stderr).toContain("refused: the token (from NEURO_ADMIN_TOKEN or --token-file)");
		expect(JSON.parse(run.stdout)).toMatchObject({ error: expect.stringContaining("refused") });
	});

	test("a token file missing, a directory, empty, or two words: exit 2, nothing sent", async () => {
		seen.length = 0;
		const cases: [string, string][] = [
			[join(dir, "absent"), "no such file"],
			[dir, "is a directory"],
			[tokenFile("empty", "\n"), "the token is empty"],
			[tokenFile("spaced", "two words\n"), "the token must be visible ASCII characters only"],
		];
		for (const [path, why] of cases) {
			const run = await ctl(["--token-file", path, "put", "k", "v"]);
			expect({ path, code: run.code }).toEqual({ path, code: 2 });
			expect(run.stderr).toContain(`neuroctl: --token-file: ${path}: ${why}`);
		}
		expect(seen).toEqual([]);
	});
});

describe("neuroctl's token arguments", () => {
	test("where the token comes from", () => {
		expect(parseCtlArgs(["status"], {}).token).toEqual({ kind: "none" });
		expect(parseCtlArgs(["status"], { NEURO_ADMIN_TOKEN: "" }).token).toEqual({ kind: "none" });
		expect(parseCtlArgs(["status"], { NEURO_ADMIN_TOKEN: "t" }).token).toEqual({
			kind: "env",
			token: "t",
		});
		expect(
			parseCtlArgs(["--token-file", "/run/token", "status"], { NEURO_ADMIN_TOKEN: "t" }).token,
		).toEqual({ kind: "file", path: "/run/token" });
	});

	test("a token no header could carry is a usage error", () => {
		expect(() => parseCtlArgs(["status"], { NEURO_ADMIN_TOKEN: "a b" })).toThrow(UsageError);
		expect(() => parseCtlArgs(["status"], { NEURO_ADMIN_TOKEN: "a\nb" })).toThrow(
			"NEURO_ADMIN_TOKEN: must be visible ASCII characters only",
		);
		expect(() => parseCtlArgs(["--token-file", "", "status"], {})).toThrow(
			"--token-file: must be a file path",
		);
	});

	test("the usage names --token-file, NEURO_ADMIN_TOKEN and the refusal's exit code", async () => {
		const run = await runCtl(["--frob"]);
		expect(run.code).toBe(2);
		expect(run.stderr).toContain("[--token-file PATH]");
		expect(run.stderr).toContain("NEURO_ADMIN_TOKEN");
		expect(run.stderr).toContain("5 refused (a missing or wrong token too: HTTP 401)");
	});
});
