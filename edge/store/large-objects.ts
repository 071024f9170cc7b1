/**
 * The store for objects above the slab's gate (1 MiB, the largest size class): each body one
 * immutable byte array in the runtime's memory, up to a byte budget of its own, evicted in
 * LRU order as whole objects. Beside the slab tier, never instead of it (size-routed.ts
 * sends each write to one or the other by size).
 *
 * Why not slab slots: a body cut into 1 MiB slots would be ranked slot by slot, and the
 * slab tier's S3-FIFO admits a newcomer through a small queue about a tenth of its size, so
 * an object larger than that queue evicts its own first slots before it is ever read again.
 * Large objects are few (a 256 MiB budget holds at most 255 of them), so a Map in LRU order
 * and linear scans for purges cost nothing that matters, and LRU is what byte-sized caches
 * of large objects commonly run (nginx, Varnish).
 *
 * Lifetime: a body is never written after commit, so a lookup hands out the array itself and
 * release() has nothing to do; an evicted body lives on only while a reader still holds it.
 *
 * Hits share a Blob: a Response built from a byte array copies it, so 64 clients reading a
 * 16 MB object at once held 64 copies (the process grew by 1.1 GB). The first hit that asks
 * (bodyBlob) copies the body into a Blob once; later Responses share it. The Blob's bytes
 * count against the budget like the body's, so the store never holds more than its budget.
 */
import type { Clock } from "./clock.ts";
import { systemClock } from "./clock.ts";
import { CommitObserver, isRefusal } from "./commit-observer.ts";
import { defaultLargestObject } from "./large-budget.ts";
import { type LargeWriteHost, LargeWriter } from "./large-writer.ts";
import type { OpenWrite } from "./memory-writer.ts";
import { markPurged, markSoftPurged, openWriteFor } from "./open-writes.ts";
import { PurgeHistory } from "./purge-history.ts";
import { selects } from "./purge-selector.ts";
import { sameBytes } from "./same-bytes.ts";
import type {
	CachedObject,
	HeaderInvalidation,
	MetaUpdateGuard,
	ObjectMeta,
	ObjectWriter,
	PurgeMark,
	PurgeSelector,
	Storage,
	TierStats,
	WriteRefusal,
} from "./storage.ts";

export interface LargeObjectStoreOptions {
	/** Bytes of bodies and headers held; the same again may be buffered by open writes. */
	readonly capacityBytes: number;
	/** The largest object (header + body) admitted; default a quarter of the capacity. */
	readonly maxObjectBytes?: number;
	readonly clock?: Clock;
	/** Shared with the tier beside this one, so one mark holds a write to both's purges. */
	readonly purgeHistory?: PurgeHistory;
	readonly name?: string;
}

interface LargeEntry {
	readonly key: string;
	header: Uint8Array;
	tags: readonly string[];
	expiresAt: number;
	readonly body: Uint8Array;
	/** The body as a Blob Responses share, once a hit asked for it; charged to the budget. */
	blob: Blob | undefined;
}

export class LargeObjectStore implements Storage, LargeWriteHost {
	readonly name: string;
	readonly capacityBytes: number;
	readonly maxObjectBytes: number;
	readonly #clock: Clock;
	readonly #history: PurgeHistory;
	/** key -> entry, least recently used first. */
	readonly #entries = new Map<string, LargeEntry>();
	readonly #openWrites = new Set<OpenWrite>();
	#bytes = 0;
	#buffered = 0;
	#hits = 0;
	#misses = 0;
	#evictions = 0;
	#expirations = 0;
	#purges = 0;
	#refusals = 0;

	constructor(options: LargeObjectStoreOptions) {
		const { capacityBytes } = options;
		const maxObjectBytes = options.maxObjectBytes ?? defaultLargestObject(capacityBytes);
		if (!Number.isSafeInteger(capacityBytes) || capacityBytes <= 0)
			throw new RangeError(
				`large object store needs a positive whole capacity, not ${capacityBytes}`,
			);
		if (
			!Number.isSafeInteger(maxObjectBytes) ||
			maxObjectBytes < 0 ||
			maxObjectBytes > capacityBytes
		)
			throw new RangeError(
				`large object store's largest object must be 0-${capacityBytes} bytes, not ${maxObjectBytes}`,
			);
		this.capacityBytes = capacityBytes;
		this.maxObjectBytes = maxObjectBytes;
		this.name = options.name ?? "large";
		this.#clock = options.clock ?? systemClock;
		this.#history = options.purgeHistory ?? new PurgeHistory();
	}

	async lookup(key: string): Promise<CachedObject | undefined> {
		return this.lookupSync(key);
	}

	lookupSync(key: string): CachedObject | undefined {
		const entry = this.#entries.get(key);
		if (entry === undefined) {
			this.#misses++;
			return undefined;
		}
		if (entry.expiresAt <= this.#clock.now()) {
			this.#drop(entry);
			this.#expirations++;
			this.#misses++;
			return undefined;
		}
		// Most recently used: to the end of the Map's order.
		this.#entries.delete(key);
		this.#entries.set(key, entry);
		this.#hits++;
		return heldObject(entry, this.#blobOf);
	}

	purgeMark(): PurgeMark {
		return this.#history.mark;
	}

	beginWrite(key: string, meta: ObjectMeta, sizeHint?: number, since?: PurgeMark): ObjectWriter {
		const target = openWriteFor(key, meta, this.#history, since);
		const writer = new LargeWriter(this, target, meta.header.slice(), sizeHint);
		return new CommitObserver(writer, (result) => isRefusal(result) && this.#refusals++);
	}

	async purge(selector: PurgeSelector): Promise<number> {
		const matched = this.#matching(selector);
		for (const entry of matched) this.#drop(entry);
		this.#purges += matched.length;
		this.#history.record(selector);
		markPurged(this.#openWrites, selector);
		return matched.length;
	}

	async softPurge(selector: PurgeSelector, invalidate: HeaderInvalidation): Promise<number> {
		this.#history.record(selector, invalidate);
		markSoftPurged(this.#openWrites, selector, invalidate);
		let touched = 0;
		for (const entry of this.#matching(selector)) {
			const rewritten = invalidate(entry.header);
			if (rewritten === undefined) continue;
			this.#setHeader(entry, rewritten);
			touched++;
		}
		this.#evictUntilWithin(this.capacityBytes);
		return touched;
	}

	async keys(selector: PurgeSelector): Promise<string[]> {
		return this.#matching(selector).map((entry) => entry.key);
	}

	async updateMeta(key: string, meta: ObjectMeta, guard: MetaUpdateGuard = {}): Promise<boolean> {
		const entry = this.#entries.get(key);
		if (entry === undefined || entry.expiresAt <= this.#clock.now()) return false;
		// Another object was stored under the key since the caller read it.
		if (guard.replacing !== undefined && !sameBytes(entry.header, guard.replacing)) return false;
		const { since } = guard;
		const missed =
			since === undefined
				? undefined
				: this.#history.since(since, (selector) => selects(selector, { key, tags: meta.tags }));
		if (missed?.hard) return false;
		this.#setHeader(entry, rewrittenBy(meta.header.slice(), missed?.invalidations));
		entry.tags = [...meta.tags];
		entry.expiresAt = meta.expiresAt;
		this.#evictUntilWithin(this.capacityBytes);
		return this.#entries.get(key) === entry;
	}

	/**
	 * Drops the object under `key`, if any, as a replacement would: not a purge (see
	 * MemoryTier.discard). True when one was dropped.
	 */
	discard(key: string): boolean {
		const entry = this.#entries.get(key);
		if (entry === undefined) return false;
		this.#drop(entry);
		return true;
	}

	stats(): TierStats {
		return {
			hits: this.#hits,
			misses: this.#misses,
			evictions: this.#evictions,
			expirations: this.#expirations,
			purges: this.#purges,
			refusals: this.#refusals,
			objects: this.#entries.size,
			bytes: this.#bytes,
			capacityBytes: this.capacityBytes,
		};
	}

	/** Bytes the writes open now hold in their buffers (at most the capacity). */
	get bufferedBytes(): number {
		return this.#buffered;
	}

	// --- LargeWriteHost -------------------------------------------------------------------

	claimBuffer(bytes: number): boolean {
		if (this.#buffered + bytes > this.capacityBytes) return false;
		this.#buffered += bytes;
		return true;
	}

	returnBuffer(bytes: number): void {
		this.#buffered -= bytes;
	}

	publish(write: OpenWrite, header: Uint8Array, body: Uint8Array): WriteRefusal | undefined {
		const stored = rewrittenBy(header, write.invalidations);
		const charge = stored.byteLength + body.byteLength;
		if (charge > this.maxObjectBytes) return "too-large";
		const older = this.#entries.get(write.key);
		if (older !== undefined) this.#drop(older);
		this.#evictUntilWithin(this.capacityBytes - charge);
		const entry: LargeEntry = {
			key: write.key,
			header: stored,
			tags: [...write.tags],
			expiresAt: write.expiresAt,
			body,
			blob: undefined,
		};
		this.#entries.set(write.key, entry);
		this.#bytes += charge;
		return undefined;
	}

	openWrite(write: OpenWrite): void {
		this.#openWrites.add(write);
	}

	endWrite(write: OpenWrite): void {
		this.#openWrites.delete(write);
	}

	// --- internals ------------------------------------------------------------------------

	#matching(selector: PurgeSelector): LargeEntry[] {
		const matched: LargeEntry[] = [];
		for (const entry of this.#entries.values()) if (selects(selector, entry)) matched.push(entry);
		return matched;
	}

	#setHeader(entry: LargeEntry, header: Uint8Array): void {
		this.#bytes += header.byteLength - entry.header.byteLength;
		entry.header = header;
	}

	/** Evicts least recently used objects until the held bytes are at most `limit`. */
	#evictUntilWithin(limit: number): void {
		for (const entry of this.#entries.values()) {
			if (this.#bytes <= limit) return;
			this.#drop(entry);
			this.#evictions++;
		}
	}

	#drop(entry: LargeEntry): void {
		this.#entries.delete(entry.key);
		this.#bytes -= entry.header.byteLength + entry.body.byteLength + (entry.blob?.size ?? 0);
	}

	/**
	 * The entry's shared Blob, made on the first call while the entry is held. Undefined
	 * (the Response copies the bytes) when the entry is gone or the copy would not fit.
	 */
	readonly #blobOf = (entry: LargeEntry): Blob | undefined => {
		if (entry.blob !== undefined) return entry.blob;
		if (this.#entries.get(entry.key) !== entry) return undefined;
		const charge = entry.header.byteLength + 2 * entry.body.byteLength;
		if (charge > this.capacityBytes) return undefined;
		// Read now, so the most recently used: the eviction below reaches it last, and never
		// gets to it, since the entry with its copy fits the budget alone.
		this.#entries.delete(entry.key);
		this.#entries.set(entry.key, entry);
		this.#evictUntilWithin(this.capacityBytes - entry.body.byteLength);
		entry.blob = new Blob([entry.body]);
		this.#bytes += entry.blob.size;
		return entry.blob;
	};
}

/** `header` as the soft purges in `invalidations` rewrote it, one after another. */
function rewrittenBy(
	header: Uint8Array,
	invalidations: readonly HeaderInvalidation[] | undefined,
): Uint8Array {
	let rewritten = header;
	for (const invalidate of invalidations ?? []) rewritten = invalidate(rewritten) ?? rewritten;
	return rewritten;
}

/** A hit: the entry's arrays as they are now (a later rewrite replaces, never mutates, them). */
function heldObject(
	entry: LargeEntry,
	blobOf: (entry: LargeEntry) => Blob | undefined,
): CachedObject {
	const { key, header, body, tags, expiresAt } = entry;
	return {
		key,
		header,
		body,
		get meta(): ObjectMeta {
			return { expiresAt, tags: [...tags], header: header.slice() };
		},
		bodyBlob: () => blobOf(entry),
		release() {},
	};
}
