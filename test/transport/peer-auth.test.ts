/**
 * The handshake's MACs as pure functions: what each covers, that the two steps cannot stand
 * in for each other, and the dialler's verdict on a welcome for each pairing of secrets.
 */
import { describe, expect, test } from "bun:test";
import { inspect } from "node:util";
import * as v from "valibot";
import { CLUSTER_SECRET_MIN_BYTES, ClusterSecret } from "../../cluster/transport/cluster-secret.ts";
import {
	authMac,
	checkWelcome,
	type HandshakeContext,
	HandshakeMacSchema,
	NonceSchema,
	newNonce,
	toHex,
	verifyAuthMac,
	verifyWelcomeMac,
	welcomeMac,
} from "../../cluster/transport/peer-auth.ts";

const secret = ClusterSecret.fromBytes(new TextEncoder().encode("a".repeat(32)));
const other = ClusterSecret.fromBytes(new TextEncoder().encode("b".repeat(32)));
const context: HandshakeContext = {
	dialler: 1,
	listener: 2,
	diallerNonce: new Uint8Array(32).fill(1),
	listenerNonce: new Uint8Array(32).fill(2),
};

describe("the handshake MACs", () => {
	test("each verifies for its own step and context only", () => {
		const welcome = welcomeMac(secret, context);
		const auth = authMac(secret, context);
		expect(welcome.byteLength).toBe(32);
		expect(verifyWelcomeMac(secret, context, welcome)).toBe(true);
		expect(verifyAuthMac(secret, context, auth)).toBe(true);
		// Domain separation: a welcome cannot be sent back as the auth, nor the reverse.
		expect(toHex(welcome)).not.toBe(toHex(auth));
		expect(verifyAuthMac(secret, context, welcome)).toBe(false);
		expect(verifyWelcomeMac(secret, context, auth)).toBe(false);
		// Another secret, and every field of the context, changes the MAC.
		expect(verifyAuthMac(other, context, auth)).toBe(false);
		const changed: HandshakeContext[] = [
			{ ...context, dialler: 3 },
			{ ...context, listener: 3 },
			{ ...context, dialler: 2, listener: 1 },
			{ ...context, diallerNonce: new Uint8Array(32).fill(3) },
			{ ...context, listenerNonce: new Uint8Array(32).fill(3) },
			// The nonces swapped: fields are positional.
			{ ...context, diallerNonce: context.listenerNonce, listenerNonce: context.diallerNonce },
		];
		for (const c of changed) expect(verifyAuthMac(secret, c, auth)).toBe(false);
	});

	test("a truncated, extended or flipped MAC fails", () => {
		const auth = authMac(secret, context);
		expect(verifyAuthMac(secret, context, auth.subarray(0, 31))).toBe(false);
		expect(verifyAuthMac(secret, context, new Uint8Array([...auth, 0]))).toBe(false);
		const flipped = new Uint8Array(auth);
		flipped[31] = (flipped[31] as number) ^ 1;
		expect(verifyAuthMac(secret, context, flipped)).toBe(false);
	});

	test("the dialler's verdict on a welcome, for every pairing of secrets", () => {
		const mac = welcomeMac(secret, context);
		expect(checkWelcome(undefined, context, undefined)).toEqual({ ok: true });
		expect(checkWelcome(secret, context, mac)).toEqual({ ok: true });
		expect(checkWelcome(undefined, context, mac)).toEqual({
			ok: false,
			detail: "node 2 requires a cluster secret and this node has none",
		});
		expect(checkWelcome(secret, context, undefined)).toEqual({
			ok: false,
			detail: "node 2's welcome carries no MAC (it runs without a cluster secret)",
		});
		expect(checkWelcome(other, context, mac)).toEqual({
			ok: false,
			detail: "node 2's welcome MAC is wrong (another cluster secret, or not node 2)",
		});
	});

	test("nonces are fresh, and hex on the wire has one spelling", () => {
		expect(toHex(newNonce())).not.toBe(toHex(newNonce()));
		expect(newNonce().byteLength).toBe(32);
		const hex = "0f".repeat(32);
		expect(v.parse(NonceSchema, hex)).toEqual(new Uint8Array(32).fill(15));
		for (const bad of ["0F".repeat(32), "0f".repeat(31), "0f".repeat(33), "zz".repeat(32), 7]) {
			expect(v.is(NonceSchema, bad)).toBe(false);
			expect(v.is(HandshakeMacSchema, bad)).toBe(false);
		}
	});
});

describe("the cluster secret", () => {
	test("fewer than 32 bytes is refused, saying how many and not what", () => {
		const short = new TextEncoder().encode("hunter2-hunter2-hunter2-hunter2");
		expect(short.byteLength).toBe(CLUSTER_SECRET_MIN_BYTES - 1);
		expect(() => ClusterSecret.fromBytes(short)).toThrow(
			"a cluster secret needs at least 32 bytes, got 31",
		);
		try {
			ClusterSecret.fromBytes(short);
		} catch (error) {
			expect(String(error)).not.toContain("hunter2");
		}
	});

	test("prints as a placeholder however it is logged", () => {
		const bytes = new TextEncoder().encode("correct-horse-battery-staple-0123456789");
		const s = ClusterSecret.fromBytes(bytes);
		for (const shown of [String(s), `${s}`, JSON.stringify({ s }), inspect(s), Bun.inspect(s)]) {
			expect(shown).toContain("[cluster secret]");
			expect(shown).not.toContain("correct-horse");
		}
	});

	test("the caller's buffer may be reused: the key was copied", () => {
		const bytes = new TextEncoder().encode("x".repeat(40));
		const s = ClusterSecret.fromBytes(bytes);
		const before = toHex(s.mac("label", []));
		bytes.fill(0);
		expect(toHex(s.mac("label", []))).toBe(before);
	});

	test("length prefixes keep label and parts apart", () => {
		const a = secret.mac("ab", [new Uint8Array([1])]);
		const b = secret.mac("a", [new TextEncoder().encode("b"), new Uint8Array([1])]);
		const c = secret.mac("ab", [new Uint8Array([1]), new Uint8Array(0)]);
		expect(new Set([toHex(a), toHex(b), toHex(c)]).size).toBe(3);
	});
});
