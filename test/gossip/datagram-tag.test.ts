/**
 * Gossip tags as pure functions: a sealed payload opens only with the same secret and the
 * same domain, every byte of it counts, and an oversized one is refused before any HMAC.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { decodePacket, encodePacket } from "../../cluster/gossip/codec.ts";
import {
	GOSSIP_TAG_BYTES,
	gossipTags,
	NO_TAGS,
	openTagged,
} from "../../cluster/gossip/datagram-tag.ts";
import type { Packet } from "../../cluster/gossip/messages.ts";
import { ClusterSecret } from "../../cluster/transport/cluster-secret.ts";

const secretOf = (text: string) => ClusterSecret.fromBytes(new TextEncoder().encode(text));
const tags = gossipTags(secretOf("gossip-secret-gossip-secret-gossip!"));
const otherTags = gossipTags(secretOf("another-secret-another-secret-xx!"));

const packet: Packet = {
	from: 9,
	msg: { t: "ping", seq: 1, target: 1 },
	updates: [{ t: "dead", id: 2, inc: 5, by: 9 }],
	app: [],
};

describe("gossip tags", () => {
	test("a sealed datagram is 16 bytes of tag, then the codec's bytes, and opens to them", () => {
		const payload = encodePacket(packet);
		const sealed = tags.seal("datagram", payload);
		expect(sealed.byteLength).toBe(payload.byteLength + GOSSIP_TAG_BYTES);
		expect(sealed.subarray(GOSSIP_TAG_BYTES)).toEqual(payload);
		const opened = openTagged(tags, "datagram", sealed, 1400);
		expect(opened).toEqual({ ok: true, value: payload });
		if (opened.ok) expect(decodePacket(opened.value, 1400)).toEqual({ ok: true, value: packet });
	});

	test("no tag, another secret's tag, another domain's tag, or a tag alone: refused as bad-tag", () => {
		const payload = encodePacket(packet);
		const refused = [
			payload,
			otherTags.seal("datagram", payload),
			tags.seal("push", payload),
			tags.seal("pull", payload),
			tags.seal("datagram", payload).subarray(0, GOSSIP_TAG_BYTES),
			new Uint8Array(0),
		];
		for (const bytes of refused) {
			expect(openTagged(tags, "datagram", bytes, 1400)).toEqual({
				ok: false,
				reason: "bad-tag",
				detail: "missing or wrong authentication tag (another cluster secret, or none)",
			});
		}
	});

	test("property: changing any one byte of a sealed datagram makes it refused", () => {
		const sealed = tags.seal("datagram", encodePacket(packet));
		fc.assert(
			fc.property(fc.nat(sealed.byteLength - 1), fc.integer({ min: 1, max: 255 }), (at, flip) => {
				const copy = sealed.slice();
				copy[at] = (copy[at] as number) ^ flip;
				expect(tags.open("datagram", copy)).toBeUndefined();
			}),
			{ numRuns: 500 },
		);
	});

	test("the size limit is the payload's plus the tag's, checked before the tag", () => {
		const payload = new Uint8Array(1400).fill(1);
		expect(openTagged(tags, "datagram", tags.seal("datagram", payload), 1400).ok).toBe(true);
		const over = tags.seal("datagram", new Uint8Array(1401));
		expect(openTagged(tags, "datagram", over, 1400)).toMatchObject({
			ok: false,
			reason: "oversized",
			detail: "1417 > 1416 bytes",
		});
	});

	test("without a secret nothing is added or checked: the wire is as before", () => {
		const payload = encodePacket(packet);
		expect(gossipTags(undefined)).toBe(NO_TAGS);
		expect(NO_TAGS.seal("datagram", payload)).toBe(payload);
		expect(openTagged(NO_TAGS, "datagram", payload, 1400)).toEqual({ ok: true, value: payload });
		expect(openTagged(NO_TAGS, "datagram", new Uint8Array(1401), 1400)).toMatchObject({
			reason: "oversized",
		});
	});
});
