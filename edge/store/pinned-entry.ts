/**
 * What the memory tier hands out for a lookup: views of a pinned entry's bytes, valid until
 * release(). A class rather than an object literal with closures, because a hit makes one
 * of these and nothing else per request.
 */
import { decodeMeta, metaHeaderViewAt } from "./meta-codec.ts";
import type { CachedObject, ObjectMeta } from "./storage.ts";

export class PinnedEntry implements CachedObject {
	readonly header: Uint8Array;
	#meta: ObjectMeta | undefined;
	#released = false;

	/**
	 * The metadata is passed as its span and offsets, not as a view: a hit reads only the
	 * header part, and each typed-array view made per hit costs about 50 ns.
	 */
	constructor(
		readonly key: string,
		private readonly id: number,
		private readonly span: Uint8Array,
		private readonly metaStart: number,
		private readonly metaLength: number,
		private readonly expiresAt: number,
		readonly body: Uint8Array,
		private readonly unpin: (id: number) => void,
		private readonly blobOf?: (id: number, body: Uint8Array) => Blob | undefined,
	) {
		this.header = metaHeaderViewAt(span, metaStart, metaLength);
	}

	/** The body as a Blob a Response can share (the tier keeps it for the next hits). */
	bodyBlob(): Blob | undefined {
		if (this.#released || this.blobOf === undefined) return undefined;
		return this.blobOf(this.id, this.body);
	}

	/** Decoded on first read, while pinned: a hit usually never reads it. */
	get meta(): ObjectMeta {
		if (this.#meta !== undefined) return this.#meta;
		if (this.#released) throw new Error("CachedObject.meta read after release(): read it first");
		const metaEnd = this.metaStart + this.metaLength;
		this.#meta = decodeMeta(this.span.subarray(this.metaStart, metaEnd), this.expiresAt);
		return this.#meta;
	}

	release(): void {
		if (this.#released) return;
		this.#released = true;
		this.unpin(this.id);
	}
}
