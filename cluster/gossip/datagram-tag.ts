/**
 * Gossip's authentication with a cluster secret: every datagram, and each push-pull frame,
 * travels as a 16-byte tag, then the codec's bytes. The tag is HMAC-SHA256 over the bytes
 * with a label naming what they are (a datagram, a push, a pull), cut to 16 bytes: a
 * stranger who can send to the gossip port but does not hold the secret cannot make one, so
 * cannot declare members dead or inject CRDT state. The label keeps a push-pull answer from
 * being sent back as a push, and no gossip tag from passing as a transport MAC.
 *
 * Not replay protection: a recorded datagram sent again still carries a valid tag. SWIM
 * takes that as old news (an update at an incarnation older than the one held is ignored;
 * a replayed suspicion at the current one makes its subject refute once, at incarnation + 1,
 * after which it is old too), and the CRDT merges are idempotent, so a replay repeats what
 * was said instead of saying something new. Pure: bytes in, bytes out.
 */
import type { ClusterSecret } from "../transport/cluster-secret.ts";
import type { DecodeResult } from "./codec.ts";

/** A truncated HMAC-SHA256: 128 bits is beyond any forger's reach, 16 bytes a datagram. */
export const GOSSIP_TAG_BYTES = 16;

/** What the bytes are: a UDP datagram, a push-pull's push (initiator to answerer), its pull. */
export type TagDomain = "datagram" | "push" | "pull";

const LABELS: Record<TagDomain, string> = {
	datagram: "neurocache/gossip/datagram/v1",
	push: "neurocache/gossip/push/v1",
	pull: "neurocache/gossip/pull/v1",
};

export interface GossipTags {
	/** Bytes the tag adds in front of each payload: 0 without a secret. */
	readonly bytes: number;
	/** The tag, then `payload`. */
	seal(domain: TagDomain, payload: Uint8Array): Uint8Array;
	/** `payload` when the tag in front of it is right, else undefined. */
	open(domain: TagDomain, sealed: Uint8Array): Uint8Array | undefined;
}

/** No secret: bytes go as the codec made them, as before secrets existed. */
export const NO_TAGS: GossipTags = {
	bytes: 0,
	seal: (_domain, payload) => payload,
	open: (_domain, sealed) => sealed,
};

export function gossipTags(secret: ClusterSecret | undefined): GossipTags {
	if (secret === undefined) return NO_TAGS;
	return {
		bytes: GOSSIP_TAG_BYTES,
		seal(domain, payload) {
			const tag = secret.mac(LABELS[domain], [payload]).subarray(0, GOSSIP_TAG_BYTES);
			const sealed = new Uint8Array(GOSSIP_TAG_BYTES + payload.byteLength);
			sealed.set(tag, 0);
			sealed.set(payload, GOSSIP_TAG_BYTES);
			return sealed;
		},
		open(domain, sealed) {
			if (sealed.byteLength <= GOSSIP_TAG_BYTES) return undefined;
			const payload = sealed.subarray(GOSSIP_TAG_BYTES);
			const tag = sealed.subarray(0, GOSSIP_TAG_BYTES);
			return secret.verify(LABELS[domain], [payload], tag, GOSSIP_TAG_BYTES) ? payload : undefined;
		},
	};
}

/**
 * The payload of a tagged datagram or frame, or why it is dropped: too large (checked
 * first, so an oversized one costs no HMAC), or a tag that is missing or wrong. Nothing
 * past the tag is read before the tag is checked.
 */
export function openTagged(
	tags: GossipTags,
	domain: TagDomain,
	sealed: Uint8Array,
	maxPayloadBytes: number,
): DecodeResult<Uint8Array> {
	if (sealed.byteLength > maxPayloadBytes + tags.bytes) {
		return {
			ok: false,
			reason: "oversized",
			detail: `${sealed.byteLength} > ${maxPayloadBytes + tags.bytes} bytes`,
		};
	}
	const payload = tags.open(domain, sealed);
	if (payload === undefined) {
		return {
			ok: false,
			reason: "bad-tag",
			detail: "missing or wrong authentication tag (another cluster secret, or none)",
		};
	}
	return { ok: true, value: payload };
}
