/**
 * Retried writes over the HTTP API: a write carrying a session (Neuro-Client-Id and
 * Neuro-Client-Seq) takes effect once however often it is sent, while it is still in the
 * log (the member waits on the entry already there) and after it applied (the store answers
 * the duplicate with the first result). neuroctl registers a session (POST /v1/sessions)
 * and sends it with its write. A write of a registered session the store does not know,
 * or of a client-chosen one past seq 1, is a 409 session-expired; a write whose seq its
 * session already passed is a 409 stale-seq.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { MetricsAnswer, WriteAnswer } from "../../cluster/kv/http-api.ts";
import {
	type ControlPlane,
	singleNodePlan,
	startControlPlane,
} from "../../cluster/node/control-plane.ts";
import { runCtl } from "../node/node-process.ts";

const root = mkdtempSync(join(tmpdir(), "neuro-retries-"));
let plane: ControlPlane;

beforeAll(async () => {
	plane = await startControlPlane(singleNodePlan(root, "127.0.0.1", 0), () => {});
	const deadline = Date.now() + 10_000;
	while ((await fetch(`${plane.apiUrl}/health`)).status !== 200) {
		if (Date.now() > deadline) throw new Error("no leader within 10 s");
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
});

afterAll(async () => {
	await plane.close(100);
	rmSync(root, { recursive: true, force: true });
});

function put(key: string, value: string, session?: { client: string; seq: string }) {
	return fetch(`${plane.apiUrl}/v1/kv/${key}`, {
		method: "PUT",
		body: JSON.stringify({ value }),
		headers:
			session === undefined
				? {}
				: { "neuro-client-id": session.client, "neuro-client-seq": session.seq },
	});
}

async function lastIndex(): Promise<number> {
	return v.parse(MetricsAnswer, await (await fetch(`${plane.apiUrl}/metrics.json`)).json()).log
		.entries;
}

async function storedValue(key: string): Promise<unknown> {
	return (await (await fetch(`${plane.apiUrl}/v1/kv/${key}`)).json()) as unknown;
}

describe("retried writes", () => {
	test("the same write sent three times at once: one log entry, one answer for all", async () => {
		const before = await lastIndex();
		const session = { client: "1001", seq: "1" };
		const answers = await Promise.all([1, 2, 3].map(() => put("once", "x", session)));
		const bodies = await Promise.all(
			answers.map(async (r) => v.parse(WriteAnswer, await r.json())),
		);
		expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
		expect(bodies).toEqual([1, 2, 3].map(() => ({ key: "once", revision: 1 })));
		expect(await lastIndex()).toBe(before + 1);
	});

	test("a retry after the write applied gets the first answer and changes nothing", async () => {
		const session = { client: "1002", seq: "1" };
		expect(await (await put("kept", "first", session)).json()).toEqual({
			key: "kept",
			revision: 1,
		});
		expect(await (await put("kept", "second", { client: "1003", seq: "1" })).json()).toEqual({
			key: "kept",
			revision: 2,
		});
		// A retry of the first (its body does not matter: the session is what counts).
		expect(await (await put("kept", "first", session)).json()).toEqual({
			key: "kept",
			revision: 1,
		});
		expect(await storedValue("kept")).toEqual({ key: "kept", value: "second", revision: 2 });
		// The client's next write is new.
		expect(await (await put("kept", "third", { client: "1002", seq: "2" })).json()).toEqual({
			key: "kept",
			revision: 3,
		});
	});

	test("writes without a session are each their own; half a session is refused", async () => {
		expect(await (await put("free", "a")).json()).toEqual({ key: "free", revision: 1 });
		expect(await (await put("free", "a")).json()).toEqual({ key: "free", revision: 2 });
		const half = await fetch(`${plane.apiUrl}/v1/kv/free`, {
			method: "PUT",
			body: JSON.stringify({ value: "b" }),
			headers: { "neuro-client-id": "5" },
		});
		expect(half.status).toBe(400);
		expect(await half.json()).toMatchObject({
			message: "neuro-client-id and neuro-client-seq go together",
		});
		expect(await storedValue("free")).toEqual({ key: "free", value: "a", revision: 2 });
	});

	test("neuroctl registers a session for its write and sends it, the same one, on every retry", async () => {
		const seen: { method: string; path: string; client: string | null; seq: string | null }[] = [];
		let writes = 0;
		const registered = 2 ** 48 + 17;
		const standIn = Bun.serve({
			hostname: "127.0.0.1",
			port: 0,
			fetch(request) {
				const path = new URL(request.url).pathname;
				seen.push({
					method: request.method,
					path,
					client: request.headers.get("neuro-client-id"),
					seq: request.headers.get("neuro-client-seq"),
				});
				if (path === "/v1/sessions") return Response.json({ client: registered });
				// The first attempt finds no leader (an election): neuroctl retries.
				if (++writes === 1)
					return Response.json({ error: "not-leader", leader: null }, { status: 503 });
				return Response.json({ key: "k", revision: 1 });
			},
		});
		try {
			const run = await runCtl(["put", "k", "v"], {
				endpoints: [`http://127.0.0.1:${standIn.port}`],
			});
			expect(run.code).toBe(0);
			const session = { client: null, seq: null };
			const write = { method: "PUT", path: "/v1/kv/k", client: String(registered), seq: "1" };
			expect(seen).toEqual([{ method: "POST", path: "/v1/sessions", ...session }, write, write]);
		} finally {
			standIn.stop(true);
		}
	});

	test("a registered session's writes apply once; an id the cluster never registered (or forgot) is refused at any seq", async () => {
		const registration = await fetch(`${plane.apiUrl}/v1/sessions`, { method: "POST" });
		expect(registration.status).toBe(200);
		const { client } = (await registration.json()) as { client: number };
		expect(client).toBeGreaterThan(2 ** 48);
		const session = { client: String(client), seq: "1" };
		expect(await (await put("registered", "a", session)).json()).toEqual({
			key: "registered",
			revision: 1,
		});
		// The retry is a duplicate: the first answer, nothing applied again.
		expect(await (await put("registered", "a", session)).json()).toEqual({
			key: "registered",
			revision: 1,
		});
		// Registered ids are log indexes above 2^48: one no entry handed out, even at seq 1,
		// is a session the cluster cannot know, so its write may be the retry of one applied
		// before the session expired. Refused, and applied nowhere.
		const unknown = { client: String(2 ** 48 + 10 ** 9), seq: "1" };
		const refused = await put("registered", "b", unknown);
		expect(refused.status).toBe(409);
		expect(await refused.json()).toMatchObject({ error: "session-expired" });
		expect(await storedValue("registered")).toMatchObject({ value: "a", revision: 1 });
	});

	test("a write of a session the cluster does not know, past seq 1, is a 409 and applies nowhere", async () => {
		const before = await lastIndex();
		const answer = await put("expired", "x", { client: "1999", seq: "3" });
		expect(answer.status).toBe(409);
		expect(await answer.json()).toMatchObject({ error: "session-expired" });
		// The entry took a log slot, but the key was never written.
		expect(await lastIndex()).toBe(before + 1);
		expect(await storedValue("expired")).toMatchObject({ value: null, revision: 0 });
		// Its retry hears the same; a new session (seq 1) goes through.
		expect((await put("expired", "x", { client: "1999", seq: "3" })).status).toBe(409);
		const fresh = await put("expired", "x", { client: "2000", seq: "1" });
		expect(await fresh.json()).toEqual({ key: "expired", revision: 1 });
	});

	test("a retry of a seq its session already passed is a 409 stale-seq and changes nothing", async () => {
		expect(await (await put("passed", "one", { client: "1004", seq: "1" })).json()).toEqual({
			key: "passed",
			revision: 1,
		});
		expect(await (await put("passed", "two", { client: "1004", seq: "2" })).json()).toEqual({
			key: "passed",
			revision: 2,
		});
		// A late copy of seq 1: ignored, and said so (not NotLeader naming this leader).
		const late = await put("passed", "one", { client: "1004", seq: "1" });
		expect(late.status).toBe(409);
		expect(await late.json()).toMatchObject({
			error: "stale-seq",
			message: expect.stringContaining("superseded"),
		});
		expect(await storedValue("passed")).toEqual({ key: "passed", value: "two", revision: 2 });
	});
});
