/**
 * The handshake's mutual challenge-response, when the cluster has a secret. Pure: the
 * connections (inbound.ts, outbound.ts) carry the values, this computes and checks them.
 *
 *   dialler  -> hello   { from: D, to: L, nonce: Nd }
 *   listener -> welcome { from: L, nonce: Nl, mac: MAC("welcome", D, L, Nd, Nl) }
 *   dialler  -> auth    { mac: MAC("auth", D, L, Nd, Nl) }          then its messages
 *
 * Each side proves it holds the secret with a MAC over a nonce the other side just drew, so
 * a recorded handshake replayed on a new connection meets a fresh nonce and fails. The two
 * MACs have different labels, so a welcome cannot be reflected back as an auth. The dialler
 * counts the peer up only once the welcome verifies; the listener takes no message, and
 * replaces no older connection of that peer, before the auth verifies.
 *
 * What this does not do: frames after the handshake carry no MAC (there is no TLS), so an
 * attacker on the path between two members can still alter or inject frames on an
 * authenticated connection. The secret stops off-path impersonation: a stranger who can
 * reach the port but not the traffic cannot pass for a member.
 */
import { randomBytes } from "node:crypto";
import * as v from "valibot";
import type { ClusterSecret } from "./cluster-secret.ts";
import type { NodeId } from "./peers.ts";

export const NONCE_BYTES = 32;
export const HANDSHAKE_MAC_BYTES = 32;

/** Domain separators: a MAC made for one step never verifies for another, or for gossip. */
const WELCOME_LABEL = "neurocache/raft-transport/welcome/v1";
const AUTH_LABEL = "neurocache/raft-transport/auth/v1";

/** Lowercase hex of exactly `bytes` bytes (one spelling per value), read back as bytes. */
function hexBytes(bytes: number, what: string) {
	return v.pipe(
		v.string(),
		v.regex(
			new RegExp(`^[0-9a-f]{${bytes * 2}}$`),
			`${what} must be ${bytes} bytes of lowercase hex`,
		),
		v.transform((hex): Uint8Array => new Uint8Array(Buffer.from(hex, "hex"))),
	);
}

export const NonceSchema = hexBytes(NONCE_BYTES, "a nonce");
export const HandshakeMacSchema = hexBytes(HANDSHAKE_MAC_BYTES, "a MAC");

export function toHex(bytes: Uint8Array): string {
	return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** A fresh random nonce (never reused: that is what makes a replay fail). */
export function newNonce(): Uint8Array {
	return new Uint8Array(randomBytes(NONCE_BYTES));
}

/** Who is on each end of one connection, and the nonces each drew for it. */
export interface HandshakeContext {
	readonly dialler: NodeId;
	readonly listener: NodeId;
	readonly diallerNonce: Uint8Array;
	readonly listenerNonce: Uint8Array;
}

function parts(context: HandshakeContext): Uint8Array[] {
	return [
		nodeIdBytes(context.dialler),
		nodeIdBytes(context.listener),
		context.diallerNonce,
		context.listenerNonce,
	];
}

/** Node ids are safe integers: 8 bytes, big-endian, one encoding per id. */
function nodeIdBytes(id: NodeId): Uint8Array {
	const bytes = new Uint8Array(8);
	new DataView(bytes.buffer).setBigUint64(0, BigInt(id), false);
	return bytes;
}

/** The listener's proof, sent in its welcome. */
export function welcomeMac(secret: ClusterSecret, context: HandshakeContext): Uint8Array {
	return secret.mac(WELCOME_LABEL, parts(context));
}

/** The dialler's proof, sent in the auth frame after it verified the welcome. */
export function authMac(secret: ClusterSecret, context: HandshakeContext): Uint8Array {
	return secret.mac(AUTH_LABEL, parts(context));
}

export function verifyWelcomeMac(
	secret: ClusterSecret,
	context: HandshakeContext,
	mac: Uint8Array,
): boolean {
	return secret.verify(WELCOME_LABEL, parts(context), mac, HANDSHAKE_MAC_BYTES);
}

export function verifyAuthMac(
	secret: ClusterSecret,
	context: HandshakeContext,
	mac: Uint8Array,
): boolean {
	return secret.verify(AUTH_LABEL, parts(context), mac, HANDSHAKE_MAC_BYTES);
}

/**
 * What the dialler makes of a welcome's MAC field, given its own secret (or none). The two
 * mismatches in configuration get their own words, since an operator fixes them differently
 * from a wrong secret.
 */
export function checkWelcome(
	secret: ClusterSecret | undefined,
	context: HandshakeContext,
	mac: Uint8Array | undefined,
): { readonly ok: true } | { readonly ok: false; readonly detail: string } {
	const peer = context.listener;
	if (secret === undefined) {
		return mac === undefined
			? { ok: true }
			: { ok: false, detail: `node ${peer} requires a cluster secret and this node has none` };
	}
	if (mac === undefined) {
		return {
			ok: false,
			detail: `node ${peer}'s welcome carries no MAC (it runs without a cluster secret)`,
		};
	}
	return verifyWelcomeMac(secret, context, mac)
		? { ok: true }
		: {
				ok: false,
				detail: `node ${peer}'s welcome MAC is wrong (another cluster secret, or not node ${peer})`,
			};
}
