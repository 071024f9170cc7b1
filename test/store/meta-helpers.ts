/** Small builders the store tests share: text as bytes and back, metadata, numbered bodies. */
import type { ObjectMeta, Storage } from "../../edge/store/storage.ts";

export const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

export const decode = (bytes: Uint8Array | undefined): string | undefined =>
	bytes === undefined ? undefined : new TextDecoder().decode(bytes);

/** Metadata with a text header, kept until evicted unless `expiresAt` says otherwise. */
export const meta = (
	header: string,
	tags: string[] = [],
	expiresAt = Number.POSITIVE_INFINITY,
): ObjectMeta => ({ expiresAt, tags, header: encode(header) });

/** `size` bytes, each its index mod 251, so a misplaced byte shows. */
export const bodyOf = (size: number): Uint8Array =>
	Uint8Array.from({ length: size }, (_, i) => i % 251);

/** The header stored under `key` as text, read through lookupSync; undefined when none. */
export function headerOf(
	tier: Required<Pick<Storage, "lookupSync">>,
	key: string,
): string | undefined {
	const found = tier.lookupSync(key);
	if (found === undefined) return undefined;
	try {
		return decode(found.header);
	} finally {
		found.release();
	}
}
