/**
 * Counter steps under an Idempotency-Key (cluster/kv/idempotency-keys.ts): a client that
 * retries a step it did not hear back from counts once, on the node that took it.
 */
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { CounterAnswer } from "../../cluster/kv/crdt-api.ts";
import { crdtApi } from "../../cluster/kv/crdt-routes.ts";
import { ErrorAnswer } from "../../cluster/kv/http-api.ts";
import { IdempotencyKeys, parseIdempotencyKey } from "../../cluster/kv/idempotency-keys.ts";
import { quietGossipView } from "./gossip-view.ts";

function routes() {
	const { view } = quietGossipView();
	return crdtApi(() => view).app;
}

const step = (key: string | undefined, body?: string) => ({
	method: "POST",
	headers: key === undefined ? {} : { "idempotency-key": key },
	...(body === undefined ? {} : { body }),
});

const counterValue = async (response: Response) =>
	v.parse(CounterAnswer, await response.json()).value;

describe("idempotent counter steps", () => {
	test("a repeated key answers the first value and counts once", async () => {
		const app = routes();
		const first = await app.request("/v1/counters/c/incr", step('"k-1"', '{"by": 5}'));
		expect(await counterValue(first)).toBe(5);
		const again = await app.request("/v1/counters/c/incr", step('"k-1"', '{"by": 5}'));
		expect(again.headers.get("idempotent-replayed")).toBe("true");
		expect(await counterValue(again)).toBe(5);
		// Without a key, or under another, a step counts.
		expect(await counterValue(await app.request("/v1/counters/c/incr", step(undefined)))).toBe(6);
		expect(await counterValue(await app.request("/v1/counters/c/incr", step("k-2")))).toBe(7);
		expect(await counterValue(await app.request("/v1/counters/c", {}))).toBe(7);
	});

	test("a key sent again with another step is a 422 and counts nothing", async () => {
		const app = routes();
		await app.request("/v1/counters/c/incr", step("k", '{"by": 2}'));
		for (const [path, body] of [
			["/v1/counters/c/incr", '{"by": 3}'],
			["/v1/counters/c/decr", '{"by": 2}'],
			["/v1/counters/other/incr", '{"by": 2}'],
		] as const) {
			const reused = await app.request(path, step("k", body));
			expect(reused.status).toBe(422);
			expect(v.parse(ErrorAnswer, await reused.json()).error).toBe("idempotency-key-reused");
		}
		expect(await counterValue(await app.request("/v1/counters/c", {}))).toBe(2);
	});

	test("a malformed key is a 400 and counts nothing", async () => {
		const app = routes();
		for (const key of ["", '""', "a b", "a\tb", "x".repeat(257)]) {
			const refused = await app.request("/v1/counters/c/incr", step(key));
			expect({ key, status: refused.status }).toEqual({ key, status: 400 });
		}
		expect(await counterValue(await app.request("/v1/counters/c", {}))).toBe(0);
	});

	test("the table forgets its oldest key first once full", () => {
		const keys = new IdempotencyKeys(2);
		keys.remember("a", { fingerprint: "incr c 1", value: 1 });
		keys.remember("b", { fingerprint: "incr c 1", value: 2 });
		keys.remember("c", { fingerprint: "incr c 1", value: 3 });
		expect([keys.get("a"), keys.get("b")?.value, keys.get("c")?.value]).toEqual([undefined, 2, 3]);
		expect(keys.size).toBe(2);
	});

	test("keys parse as a structured-field string or a bare token", () => {
		expect(parseIdempotencyKey(null)).toEqual({ ok: true, key: undefined });
		expect(parseIdempotencyKey('"8e03978e-40d5"')).toEqual({ ok: true, key: "8e03978e-40d5" });
		expect(parseIdempotencyKey(" abc ")).toEqual({ ok: true, key: "abc" });
		expect(parseIdempotencyKey("a b").ok).toBe(false);
	});
});
