import type { ObjectMeta } from "./storage.ts";

/**
 * Object metadata as bytes, stored in the slab in front of the body so the memory tier
 * keeps no JS object per entry:
 *   u32 tag bytes | tags, UTF-8, joined by "\n" | header bytes (the rest)
 * expiresAt lives in the tier's entry table, not here. Tags may not contain "\n".
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const EMPTY = new Uint8Array(0);
const NO_TAGS: readonly string[] = Object.freeze([]);

export function encodeMeta(meta: Pick<ObjectMeta, "tags" | "header">): Uint8Array {
	if (meta.tags.length === 0 && meta.header.byteLength === 0) return EMPTY;
	for (const tag of meta.tags) {
		if (tag.length === 0 || tag.includes("\n"))
			throw new RangeError(`invalid purge tag ${JSON.stringify(tag)}`);
	}
	const tagBytes = encoder.encode(meta.tags.join("\n"));
	const out = new Uint8Array(4 + tagBytes.byteLength + meta.header.byteLength);
	new DataView(out.buffer).setUint32(0, tagBytes.byteLength);
	out.set(tagBytes, 4);
	out.set(meta.header, 4 + tagBytes.byteLength);
	return out;
}

/** The byte length encodeMeta(meta) has, without encoding it. */
export function encodedMetaLength(meta: Pick<ObjectMeta, "tags" | "header">): number {
	if (meta.tags.length === 0 && meta.header.byteLength === 0) return 0;
	const tagBytes = meta.tags.length === 0 ? 0 : encoder.encode(meta.tags.join("\n")).byteLength;
	return 4 + tagBytes + meta.header.byteLength;
}

/** The header part of what encodeMeta wrote, as a view of `bytes` (no copy, no decoding). */
export function metaHeaderView(bytes: Uint8Array): Uint8Array {
	return metaHeaderViewAt(bytes, 0, bytes.byteLength);
}

/**
 * The same for a record lying at `start`, `length` bytes long, inside `bytes` (a slab span):
 * one view of the header, without first making one of the whole record.
 */
export function metaHeaderViewAt(bytes: Uint8Array, start: number, length: number): Uint8Array {
	if (length < 4) return EMPTY;
	const tagLength =
		(((bytes[start] as number) << 24) |
			((bytes[start + 1] as number) << 16) |
			((bytes[start + 2] as number) << 8) |
			(bytes[start + 3] as number)) >>>
		0;
	return 4 + tagLength > length ? EMPTY : bytes.subarray(start + 4 + tagLength, start + length);
}

/** The tags part of what encodeMeta wrote (none for a record without any). */
export function metaTags(bytes: Uint8Array): readonly string[] {
	if (bytes.byteLength < 4) return NO_TAGS;
	const tagLength = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
	if (tagLength === 0) return NO_TAGS;
	if (4 + tagLength > bytes.byteLength)
		throw new RangeError("metadata tag block overruns the record");
	return decoder.decode(bytes.subarray(4, 4 + tagLength)).split("\n");
}

/** Decodes what encodeMeta wrote; `header` is copied, so it outlives the slot. */
export function decodeMeta(bytes: Uint8Array, expiresAt: number): ObjectMeta {
	if (bytes.byteLength === 0) return { expiresAt, tags: NO_TAGS, header: EMPTY };
	if (bytes.byteLength < 4) throw new RangeError("metadata shorter than its length prefix");
	return { expiresAt, tags: metaTags(bytes), header: metaHeaderView(bytes).slice() };
}
