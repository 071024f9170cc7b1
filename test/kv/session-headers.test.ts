import { describe, expect, test } from "bun:test";
import { commandSession, encodeCommand } from "../../cluster/kv/command.ts";
import { parseSession } from "../../cluster/kv/session-headers.ts";
import { randomClientId } from "../../cluster/state/random-client-id.ts";

describe("a write's session from its headers", () => {
	const fresh = () => 77;
	test("both headers: that session; neither: no session, under a fresh client id", () => {
		expect(parseSession("12", "3", fresh)).toEqual({ ok: true, client: 12, seq: 3 });
		expect(parseSession(null, null, fresh)).toEqual({ ok: true, client: 77, seq: 0 });
	});

	test("one without the other, or not a positive whole number: refused with the reason", () => {
		expect(parseSession("12", null, fresh)).toMatchObject({
			ok: false,
			message: expect.stringContaining("go together"),
		});
		expect(parseSession(null, "1", fresh).ok).toBe(false);
		for (const bad of ["0", "-1", "1.5", "x", "1e3", "1000000000000000"])
			expect(parseSession(bad, "1", fresh)).toMatchObject({
				ok: false,
				message: expect.stringContaining("neuro-client-id"),
			});
	});

	test("random client ids fit what the headers accept", () => {
		for (let i = 0; i < 1000; i++) {
			const id = randomClientId();
			expect(parseSession(String(id), "1", fresh)).toEqual({ ok: true, client: id, seq: 1 });
		}
	});
});

describe("commandSession", () => {
	test("reads client and seq from an encoded command's front; nothing from other entries", () => {
		const data = encodeCommand({ client: 2 ** 48, seq: 9, op: { kind: "delete", key: "k" } });
		expect(commandSession(data)).toEqual({ client: 2 ** 48, seq: 9 });
		expect(commandSession("")).toBeUndefined();
		expect(commandSession('{"seq":1,"client":2}')).toBeUndefined();
	});
});
