/**
 * The cluster secret: one shared key per POP that the Raft transport's handshake and every
 * gossip datagram are authenticated with (peer-auth.ts, ../gossip/datagram-tag.ts). It
 * proves membership of the POP, not identity: every holder can pose as any member.
 *
 * The bytes stay inside a KeyObject and the class prints as "[cluster secret]" however it
 * is logged or serialized, so a stray `${secret}` or JSON.stringify cannot leak it.
 */
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from "node:crypto";

/** Fewer bytes than HMAC-SHA256's output would make the key the weak point. */
export const CLUSTER_SECRET_MIN_BYTES = 32;

const REDACTED = "[cluster secret]";

export class ClusterSecret {
	readonly #key: KeyObject;

	private constructor(key: KeyObject) {
		this.#key = key;
	}

	/** Throws a RangeError (saying how long, never what) if `bytes` is too short. */
	static fromBytes(bytes: Uint8Array): ClusterSecret {
		if (bytes.byteLength < CLUSTER_SECRET_MIN_BYTES) {
			throw new RangeError(
				`a cluster secret needs at least ${CLUSTER_SECRET_MIN_BYTES} bytes, got ${bytes.byteLength}`,
			);
		}
		// createSecretKey copies: the caller's buffer may be reused or zeroed afterwards.
		return new ClusterSecret(createSecretKey(Buffer.from(bytes)));
	}

	/**
	 * HMAC-SHA256 over `label` and `parts`, each preceded by its length (4 bytes, big-endian),
	 * so no two different (label, parts) lists share an input: a MAC made for one purpose (a
	 * welcome, a datagram) never verifies as another's.
	 */
	mac(label: string, parts: readonly Uint8Array[]): Uint8Array {
		const hmac = createHmac("sha256", this.#key);
		const labelBytes = Buffer.from(label, "utf8");
		hmac.update(lengthPrefix(labelBytes.byteLength));
		hmac.update(labelBytes);
		for (const part of parts) {
			hmac.update(lengthPrefix(part.byteLength));
			hmac.update(part);
		}
		const digest = hmac.digest();
		return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
	}

	/**
	 * Whether `mac` is the first `mac.byteLength` bytes of `this.mac(label, parts)`, compared
	 * in constant time (a byte-by-byte compare that stops early tells a forger how many
	 * leading bytes it has right). `expectedBytes` is the length the protocol uses; a MAC
	 * of any other length fails.
	 */
	verify(
		label: string,
		parts: readonly Uint8Array[],
		mac: Uint8Array,
		expectedBytes: number,
	): boolean {
		if (mac.byteLength !== expectedBytes) return false;
		const full = this.mac(label, parts);
		return timingSafeEqual(full.subarray(0, expectedBytes), mac);
	}

	toString(): string {
		return REDACTED;
	}

	toJSON(): string {
		return REDACTED;
	}

	[Symbol.for("nodejs.util.inspect.custom")](): string {
		return REDACTED;
	}
}

function lengthPrefix(length: number): Uint8Array {
	const prefix = new Uint8Array(4);
	new DataView(prefix.buffer).setUint32(0, length, false);
	return prefix;
}
