/**
 * The Storage interface every cache tier implements (memory, disk, peer, S3...). The HTTP
 * layer above speaks only this; a tier never decides HTTP semantics or eviction policy for
 * another tier. Small on purpose: lookup, a streamed write that becomes visible only when
 * committed, purge (hard, or soft through a header rewrite the layer above supplies), and a
 * metadata update (for 304 revalidations).
 *
 * Purges and open writes: a purge applies to the writes open when it runs, not only to what
 * is stored. A write a hard purge matched (its key, a prefix of it, one of its tags) stores
 * nothing at commit ("purged-during-fill"); one a soft purge matched is stored already
 * rewritten as that purge rewrites stored objects. Writes opened after a purge are not
 * touched by it.
 */

export interface ObjectMeta {
	/**
	 * When the tier may drop the object, in epoch ms: freshness plus any stale allowance
	 * (stale-while-revalidate, stale-if-error). Infinity keeps it until evicted or purged.
	 */
	readonly expiresAt: number;
	/** Purge tags (surrogate keys) this object answers to. */
	readonly tags: readonly string[];
	/** Bytes owned by the layer above; the HTTP layer keeps status, headers and dates here. */
	readonly header: Uint8Array;
}

/** A hit. Its body may be a zero-copy view: call release() once done reading it. */
export interface CachedObject {
	readonly key: string;
	/**
	 * First read it before release(): a tier may decode it lazily from the pinned bytes.
	 * The object it gives is a copy and stays valid after release().
	 */
	readonly meta: ObjectMeta;
	/**
	 * meta.header's bytes, possibly a zero-copy view: valid until release(). For readers that
	 * only compare them with bytes they know, without paying for a decoded copy.
	 */
	readonly header: Uint8Array;
	/** Valid until release(); copy it to keep it longer. */
	readonly body: Uint8Array;
	/**
	 * The same bytes as an immutable Blob, which a Response shares instead of copying; a tier
	 * may keep it for later reads. Undefined when the tier offers none. Ask before release().
	 */
	bodyBlob?(): Blob | undefined;
	/** Lets the tier reuse the object's memory once it is evicted or replaced. Idempotent. */
	release(): void;
}

/** Why a write did not become visible. Feeds metrics and Cache-Status. */
export type WriteRefusal =
	| "too-large" // over the tier's byte gate
	| "no-room" // nothing evictable frees enough room
	| "length-mismatch" // the body ended shorter or longer than the announced size
	| "purged-during-fill" // a hard purge matched the write while it was open
	| "aborted"; // the writer (or its source) gave up

export type CommitResult =
	| { readonly stored: true }
	| { readonly stored: false; readonly reason: WriteRefusal };

/**
 * A streamed write. Chunks are invisible to lookups until commit() says stored; an abort,
 * a refusal or a writer that is simply dropped never exposes a half-written object.
 */
export interface ObjectWriter {
	/** Appends a chunk. Past the byte gate the writer refuses itself and ignores the rest. */
	write(chunk: Uint8Array): void;
	/** Why the writer gave up, once it has: later chunks are ignored, so stop feeding it. */
	readonly refused: WriteRefusal | undefined;
	/**
	 * A purge, hard or soft, has reached this write since it began, as far as the writer
	 * knows yet: what it stores will not be a fresh answer (or anything), whatever its
	 * commit says later. Requests that come after the purge must not take its bytes.
	 */
	readonly overtaken: boolean;
	/**
	 * The body written so far, when the writer gathers it in memory of its own that it
	 * never reuses or changes (a buffer, not slab memory a later object may take): those
	 * following the fill read it there instead of keeping the bytes a second time. Undefined
	 * once the writer refused or finished. Optional: a tier may hold no such copy.
	 */
	bodySoFar?(): Uint8Array | undefined;
	commit(): CommitResult;
	abort(): void;
}

export type PurgeSelector =
	| { readonly key: string }
	| { readonly prefix: string }
	| { readonly tag: string };

/**
 * A soft purge's rewrite of one object's header (ObjectMeta.header, owned by the layer
 * above): the header that marks it stale, or undefined to leave the object as it is (not a
 * response, or marked already). Pure: a tier may call it again for the same header.
 */
export type HeaderInvalidation = (header: Uint8Array) => Uint8Array | undefined;

/**
 * A point in a tier's purge history (purge-history.ts): a write begun or a header updated
 * with it as `since` is held to the purges made after it, not only to those made while the
 * write is open.
 */
export type PurgeMark = number;

/** What an update must find for it to apply: the object it was read from, not a newer one. */
export interface MetaUpdateGuard {
	readonly since?: PurgeMark | undefined;
	readonly replacing?: Uint8Array | undefined;
}

export interface TierStats {
	readonly hits: number;
	readonly misses: number;
	readonly evictions: number;
	readonly expirations: number;
	readonly purges: number;
	/** Writes refused (too large, no room...). */
	readonly refusals: number;
	readonly objects: number;
	/** Bytes charged against the tier's capacity (slot sizes, including metadata). */
	readonly bytes: number;
	readonly capacityBytes: number;
}

export interface Storage {
	readonly name: string;
	lookup(key: string): Promise<CachedObject | undefined>;
	/**
	 * The same lookup, answered at once, offered by tiers that never wait to answer (memory).
	 * It lets a hit be served without a promise; callers fall back to lookup() without it.
	 */
	lookupSync?(key: string): CachedObject | undefined;
	/**
	 * Opens a write for `key`. `sizeHint` (a Content-Length) lets the tier refuse early and
	 * place the body without buffering; a body that then differs from it is refused.
	 */
	beginWrite(key: string, meta: ObjectMeta, sizeHint?: number, since?: PurgeMark): ObjectWriter;
	/**
	 * Where the tier's purge history stands now: take it before asking the origin, and pass it
	 * as `since` to the write (or header update) the answer makes. Tiers without a history
	 * leave it out; writes then heed only the purges made while they are open.
	 */
	purgeMark?(): PurgeMark;
	/**
	 * Drops matching objects, and makes matching writes open now store nothing when they
	 * commit ("purged-during-fill"). Resolves to how many stored objects were dropped. Takes
	 * effect in the call, for every read after it, even where the tier's work resolves later
	 * (the memory tier walks its index for a path prefix in slices: store/prefix-sweeps.ts).
	 */
	purge(selector: PurgeSelector): Promise<number>;
	/**
	 * Soft purge: rewrites each matching object's header with `invalidate` (keeping its body,
	 * tags and expiry) instead of dropping it; matching writes open now are stored so
	 * rewritten when they commit. An object that cannot be rewritten (no room for the new
	 * header) is dropped instead. Takes effect in the call, as purge() does: no read after it
	 * sees an object it matched unrewritten. Resolves to how many stored objects were
	 * rewritten or dropped.
	 */
	softPurge(selector: PurgeSelector, invalidate: HeaderInvalidation): Promise<number>;
	/** Keys of the stored objects that match. */
	keys(selector: PurgeSelector): Promise<string[]>;
	/**
	 * Replaces an object's metadata, keeping its body. False when the key is not stored, or
	 * when it holds another object than the one the update is for: `replacing` (the header
	 * bytes the caller read) differs from what is stored, or a hard purge after `since`
	 * matched it. A soft purge after `since` leaves it rewritten as that purge would.
	 */
	updateMeta(key: string, meta: ObjectMeta, guard?: MetaUpdateGuard): Promise<boolean>;
	stats(): TierStats;
}
