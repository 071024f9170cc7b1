/**
 * L0: the in-process memory tier. Bodies (with their encoded metadata in front) live in
 * slab slots; the tier keeps only a key -> id Map and typed-array columns (EntryTable), so
 * its JS heap stays small however many objects it holds.
 *
 * Capacity is charged in slot bytes (the size class an object occupies), so the figure is
 * the memory really held. Objects above the byte gate are refused, never admitted by
 * evicting everything else.
 *
 * Lifetime of bytes handed out:
 * - get() returns a view valid until the tier next changes (any set/delete/purge/eviction);
 *   copy it to keep it longer. This is the zero-copy fast path.
 * - lookup() pins the entry: its bytes stay valid until the CachedObject is released, even
 *   if the entry is evicted or replaced meanwhile (the slot is freed on the last release).
 */

import type { ArenaSpans } from "../../native/arena-spans.ts";
import { SlabErrorCode } from "../../native/errors.ts";
import {
	classFor,
	classOfHandle,
	MAX_OBJECT,
	SIZE_CLASSES,
	type SizeClass,
	slotOffsetInSpan,
} from "../../native/size-classes.ts";
import type { Slab } from "../../native/slab-api.ts";
import type { EvictionPolicy } from "../policy/eviction.ts";
import { keyHash } from "../policy/key-hash.ts";
import { S3FifoPolicy } from "../policy/s3-fifo-policy.ts";
import { BodyBlobs } from "./body-blobs.ts";
import { type Clock, sharedCoarseClock } from "./clock.ts";
import { CommitObserver, isRefusal } from "./commit-observer.ts";
import {
	bodyLengthOf,
	EntryTable,
	EXPIRES_AT,
	HANDLE,
	LENGTHS,
	metaLengthOf,
	packLengths,
	ROW,
} from "./entry-table.ts";
import { HotViews } from "./hot-views.ts";
import { IdMultimap } from "./id-multimap.ts";
import { IndexSweeper, type SweepOptions } from "./index-sweeper.ts";
import { familyCharge, familyOf, familyOfPrefix } from "./key-families.ts";
import { MemoryWriter, type OpenWrite, type WriterHost } from "./memory-writer.ts";
import { encodeMeta, metaHeaderView, metaTags } from "./meta-codec.ts";
import { markPurged, markSoftPurged, openWriteFor } from "./open-writes.ts";
import { PinnedEntry } from "./pinned-entry.ts";
import { PurgeHistory } from "./purge-history.ts";
import { selects } from "./purge-selector.ts";
import { sameBytes } from "./same-bytes.ts";
import { emptySpan, occupantsOf } from "./span-reclaim.ts";
import type {
	CachedObject,
	CommitResult,
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
import { tagCharge } from "./tag-charge.ts";

/** `sweepSliceKeys` and `yieldBetweenSlices`: how a path-prefix purge walks the index. */
export interface MemoryTierOptions extends SweepOptions {
	readonly slab: Slab;
	/** Bytes the tier may hold; defaults to the slab's capacity. */
	readonly capacityBytes?: number;
	/** Byte gate: the largest object (metadata + body) admitted. At most 1 MiB. */
	readonly maxObjectBytes?: number;
	readonly clock?: Clock;
	readonly policy?: EvictionPolicy;
	/**
	 * How many recently read entries get() keeps as ready views (the hot set); each costs
	 * about 125 bytes of JS heap while hot. 0 turns the hot set off.
	 */
	readonly viewCacheSize?: number;
	/**
	 * Bytes of bodies kept as Blobs for responses to share (body-blobs.ts); default an eighth
	 * of the capacity, at most 64 MiB. 0 turns it off.
	 */
	readonly blobBudgetBytes?: number;
	readonly name?: string;
	/**
	 * The purge history marks are taken from; shared with a tier beside this one (the large
	 * objects' store, size-routed.ts) so one mark holds a write to the purges of both.
	 */
	readonly purgeHistory?: PurgeHistory;
}

export interface SetOptions {
	/** Time to live in ms; omitted or Infinity: until evicted. */
	readonly ttlMs?: number;
	readonly tags?: readonly string[];
}

/** How many eviction candidates to scan for one of the right size class when the slab is full. */
const SAME_CLASS_SCAN_LIMIT = 4096;
const NONE = -1;
const NEVER = Number.POSITIVE_INFINITY;
const EMPTY = new Uint8Array(0);
const NO_TAGS: readonly string[] = Object.freeze([]);
const STORED: CommitResult = Object.freeze({ stored: true });
/**
 * Key characters an entry holds uncharged, like the rest of its index cost (about 100 bytes
 * of heap an entry): ordinary URLs fit, so capacity stays what the slots hold; what a long
 * key holds beyond this is charged.
 */
const KEY_ALLOWANCE = 256;

/** What a key costs the tier beyond an entry's allowance: long keys, and family membership. */
function keyCharge(key: string): number {
	return (key.length > KEY_ALLOWANCE ? key.length - KEY_ALLOWANCE : 0) + familyCharge(key);
}

export class MemoryTier implements Storage, WriterHost {
	readonly name: string;
	readonly slab: Slab;
	readonly capacityBytes: number;
	readonly maxObjectBytes: number;
	readonly #clock: Clock;
	readonly #policy: EvictionPolicy;
	/**
	 * key -> id * 2 + 1 when the entry expires, id * 2 when it never does: a hit on an entry
	 * without a TTL then never reads its row, one cache miss fewer on a large index.
	 */
	readonly #index = new Map<string, number>();
	readonly #entries: EntryTable;
	readonly #tagIndex = new IdMultimap();
	/** Family -> ids of the indexed keys in it (key-families.ts): a URL's variants and part. */
	readonly #families = new IdMultimap();
	/** Entries stored with tags: none, and an entry leaving reads nothing to untag it. */
	#taggedEntries = 0;
	/**
	 * Streamed writes open now (begun, not yet committed or given up). A purge marks those it
	 * matches, so a fill that began before it cannot commit a fresh copy after it: a purge
	 * walks only the writes in flight, and nothing else is kept per purge or per hit.
	 */
	readonly #openWrites = new Set<OpenWrite>();
	/** The purges before a write opened that it must still heed (`since` in beginWrite). */
	readonly #purgeHistory: PurgeHistory;
	/** Path-prefix purges still walking the index; every read heeds them until they end. */
	readonly #sweeper: IndexSweeper;
	/**
	 * The slab's arena by span. The tier owns every handle it holds and frees none it still
	 * uses, so it reads and writes slots here directly: no validation or FFI per call.
	 */
	readonly #spans: ArenaSpans;
	#closed = false;
	readonly #hot: HotViews;
	readonly #blobs: BodyBlobs;
	/** Made once: every lookup's PinnedEntry asks for its Blob through it. */
	readonly #blobOf = (id: number, body: Uint8Array): Blob | undefined =>
		this.#blobs.blobOf(id, body);
	// The three fields a hot hit touches are TypeScript-private rather than #private: JSC's
	// brand check on #fields cost about a tenth of a 30 ns hot hit (measured with
	// test/bench/paired-ops.ts).
	/** The hot set's map itself, held here so a hot hit takes one hop less. */
	private readonly hotViews: Map<string, Uint8Array>;
	/** The hot set's earliest expiry, mirrored after each change to it for the same reason. */
	private hotExpiresAt = NEVER;
	private hits = 0;
	readonly #idOfKey = (key: string): number | undefined => this.#idOf(key);
	/** Made once: every lookup's PinnedEntry releases through it. */
	readonly #unpinId = (id: number): void => this.#unpin(id);
	#bytes = 0;
	/**
	 * JS heap the index holds beyond its fixed cost an entry, charged against the capacity
	 * with the slots: the characters of keys past KEY_ALLOWANCE (about a byte each; keys are
	 * the client's URL and Vary fields, and a flood of tiny objects under 7 KB URLs held 35
	 * times the slots' bytes in keys), and each entry's tag memberships (tagCharge: a small
	 * object under three unique tags held five times its slot in tag index).
	 */
	#indexBytes = 0;
	#misses = 0;
	#evictions = 0;
	/** Spans given back to the slab for another class, and objects moved out of them. */
	#spansReclaimed = 0;
	#objectsMoved = 0;
	#expirations = 0;
	#purges = 0;
	#refusals = 0;

	constructor(options: MemoryTierOptions) {
		this.slab = options.slab;
		this.name = options.name ?? "memory";
		this.capacityBytes = options.capacityBytes ?? options.slab.capacityBytes;
		this.maxObjectBytes = Math.min(options.maxObjectBytes ?? MAX_OBJECT, MAX_OBJECT);
		if (!(this.capacityBytes > 0) || !(this.maxObjectBytes >= 0)) {
			throw new RangeError("memory tier needs a positive capacity and a non-negative byte gate");
		}
		this.#clock = options.clock ?? sharedCoarseClock();
		this.#purgeHistory = options.purgeHistory ?? new PurgeHistory();
		this.#sweeper = new IndexSweeper(
			{
				idOf: this.#idOfKey,
				headerOf: (id) => metaHeaderView(this.#metaBytes(id)),
				dropPurged: (id) => {
					this.#remove(id);
					this.#purges++;
				},
				countPurged: () => this.#purges++,
				rewrite: (key, invalidate) => this.#invalidate(key, invalidate),
				keys: () => this.#index.keys(),
				// A hot hit reads no index, so heeds no sweep: the hot set starts again, and what
				// joins it from now on was read through #getSlow, which heeds them.
				forgetHotSet: () => {
					for (const id of this.#hot.clear(this.#idOfKey)) this.#policy.accessed(id);
					this.hotExpiresAt = this.#hot.expiresAt;
				},
				isClosed: () => this.#closed,
			},
			options,
		);
		this.#spans = options.slab.spans();
		this.#policy = options.policy ?? new S3FifoPolicy();
		// A policy that must see every access gets no hot set: hot hits bypass it.
		const hotLimit = this.#policy.needsEveryAccess
			? 0
			: Math.max(0, options.viewCacheSize ?? 131_072);
		this.#hot = new HotViews(hotLimit, 1024);
		this.#blobs = new BodyBlobs(
			Math.max(0, options.blobBudgetBytes ?? Math.min(64 * 2 ** 20, this.capacityBytes / 8)),
		);
		this.hotViews = this.#hot.views;
		this.#entries = new EntryTable(1024, (capacity) => {
			this.#policy.grow(capacity);
			this.#hot.grow(capacity);
		});
		this.#policy.grow(this.#entries.capacity);
	}

	// --- Synchronous fast path -------------------------------------------------------

	/** The body stored under `key`, or undefined. The view is valid until the tier next changes. */
	get(key: string): Uint8Array | undefined {
		// A hot hit is one Map lookup, as in a plain Map. No closed check: close() empties the
		// hot set and the index, so a closed tier only misses.
		const view = this.hotViews.get(key);
		if (
			view !== undefined &&
			(this.hotExpiresAt === NEVER || this.#clock.now() < this.hotExpiresAt)
		) {
			this.hits++;
			return view;
		}
		return this.#getSlow(key);
	}

	#getSlow(key: string): Uint8Array | undefined {
		const now = this.#clock.now();
		for (const id of this.#hot.expireIfDue(now, this.#idOfKey)) this.#policy.accessed(id);
		this.hotExpiresAt = this.#hot.expiresAt;
		if (this.#sweeper.running !== 0) this.#sweeper.heed(key);
		const slot = this.#index.get(key);
		if (slot === undefined) {
			this.#misses++;
			return undefined;
		}
		const id = slot >>> 1;
		const expiresAt =
			(slot & 1) === 1
				? (this.#entries.rows[id * ROW + EXPIRES_AT] as number)
				: Number.POSITIVE_INFINITY;
		if (expiresAt <= now) {
			this.#expire(id);
			this.#misses++;
			return undefined;
		}
		this.hits++;
		this.#policy.accessed(id);
		const view = this.#bodyView(id);
		// Whatever leaves the hot set to make room was read while hot: record that use now.
		const pushedOut = this.#hot.admit(key, id, view, expiresAt, now, this.#idOfKey);
		this.hotExpiresAt = this.#hot.expiresAt;
		if (pushedOut !== NONE) this.#policy.accessed(pushedOut);
		return view;
	}

	has(key: string): boolean {
		if (this.#closed) throw new TierClosedError(this.name);
		if (this.#sweeper.running !== 0) this.#sweeper.heed(key);
		const id = this.#idOf(key);
		return id !== undefined && !this.#isExpired(id);
	}

	/** Stores `body` under `key`, replacing any older object once the new one is written. */
	set(key: string, body: Uint8Array, options?: SetOptions): CommitResult {
		if (this.#closed) throw new TierClosedError(this.name);
		// No object or array is made per call: a set allocates nothing on the JS heap.
		const tags = options?.tags ?? NO_TAGS;
		const meta = tags.length === 0 ? EMPTY : encodeMeta({ tags, header: EMPTY });
		const total = meta.byteLength + body.byteLength;
		if (total > this.maxObjectBytes) return this.#refuse("too-large");
		const handle = this.reserve(total, key);
		if (typeof handle === "string") return this.#refuse(handle);
		const span = this.#spans.spanOf(handle);
		const offset = slotOffsetInSpan(handle);
		if (meta.byteLength > 0) span.set(meta, offset);
		span.set(body, offset + meta.byteLength);
		this.publish(
			key,
			this.#expiryFor(options?.ttlMs),
			tags,
			handle,
			meta.byteLength,
			body.byteLength,
		);
		return STORED;
	}

	delete(key: string): boolean {
		if (this.#closed) throw new TierClosedError(this.name);
		const id = this.#idOf(key);
		if (id === undefined) return false;
		this.#remove(id);
		return true;
	}

	get size(): number {
		return this.#index.size;
	}

	/** Drops every object. Pinned bytes are freed when their readers release them. */
	clear(): void {
		for (const slot of [...this.#index.values()]) this.#remove(slot >>> 1);
	}

	/**
	 * Closes the tier and its slab. Every later call throws TierClosedError: the arena is
	 * unmapped, and reading it through a stale view would crash the process.
	 */
	close(): void {
		if (this.#closed) return;
		this.#closed = true;
		this.#hot.clear(this.#idOfKey);
		this.#blobs.clear();
		this.hotExpiresAt = this.#hot.expiresAt;
		this.#index.clear();
		this.slab.close();
	}

	// --- Storage ----------------------------------------------------------------------

	async lookup(key: string): Promise<CachedObject | undefined> {
		return this.lookupSync(key);
	}

	lookupSync(key: string): CachedObject | undefined {
		if (this.#closed) throw new TierClosedError(this.name);
		if (this.#sweeper.running !== 0) this.#sweeper.heed(key);
		const id = this.#idOf(key);
		if (id === undefined || this.#isExpired(id)) {
			if (id !== undefined) this.#expire(id);
			this.#misses++;
			return undefined;
		}
		this.hits++;
		this.#policy.accessed(id);
		const entries = this.#entries;
		const rows = entries.rows;
		const row = id * ROW;
		const handle = rows[row + HANDLE] as number;
		const lengths = rows[row + LENGTHS] as number;
		// One span lookup for both parts of the slot: metadata, then body.
		const span = this.#spans.spanOf(handle);
		const metaStart = slotOffsetInSpan(handle);
		const metaLength = metaLengthOf(lengths);
		const bodyStart = metaStart + metaLength;
		const pinned = new PinnedEntry(
			key,
			id,
			span,
			metaStart,
			metaLength,
			rows[row + EXPIRES_AT] as number,
			span.subarray(bodyStart, bodyStart + bodyLengthOf(lengths)),
			this.#unpinId,
			this.#blobs.budgetBytes > 0 ? this.#blobOf : undefined,
		);
		entries.pin(id);
		return pinned;
	}

	purgeMark(): PurgeMark {
		return this.#purgeHistory.mark;
	}

	beginWrite(key: string, meta: ObjectMeta, sizeHint?: number, since?: PurgeMark): ObjectWriter {
		if (this.#closed) throw new TierClosedError(this.name);
		const target = openWriteFor(key, meta, this.#purgeHistory, since);
		const writer = new MemoryWriter(this, target, encodeMeta(meta), sizeHint);
		return new CommitObserver(writer, (result) => isRefusal(result) && this.#refusals++);
	}

	/**
	 * Drops the object stored under `key`, if any, as a replacement would: not a purge, so no
	 * write open now or marked before is touched. For a tier beside this one that has just
	 * stored a newer object under the key (size-routed.ts). True when one was dropped.
	 */
	discard(key: string): boolean {
		if (this.#closed) throw new TierClosedError(this.name);
		const id = this.#idOf(key);
		if (id === undefined) return false;
		this.#remove(id);
		return true;
	}

	/**
	 * Drops what `selector` matches. A path prefix (one without a key family) is swept: gone
	 * for every read from this call on, dropped from the index a slice at a time, resolving
	 * once the walk is over.
	 */
	async purge(selector: PurgeSelector): Promise<number> {
		if (this.#closed) throw new TierClosedError(this.name);
		this.#purgeHistory.record(selector);
		markPurged(this.#openWrites, selector);
		if (needsSweep(selector)) return this.#sweeper.sweep(selector.prefix, undefined);
		const ids = this.#heededMatching(selector);
		for (const id of ids) this.#remove(id);
		this.#purges += ids.length;
		return ids.length;
	}

	/** Rewrites what `selector` matches; a path prefix is swept, as in purge(). */
	async softPurge(selector: PurgeSelector, invalidate: HeaderInvalidation): Promise<number> {
		if (this.#closed) throw new TierClosedError(this.name);
		this.#purgeHistory.record(selector, invalidate);
		// First the writes open now: the rewrites below open (and commit) writes of their own,
		// which must not be marked.
		markSoftPurged(this.#openWrites, selector, invalidate);
		if (needsSweep(selector)) return this.#sweeper.sweep(selector.prefix, invalidate);
		// By key, not id: a rewrite may evict a later match and hand its id to another key.
		let touched = 0;
		for (const key of this.#keysOf(this.#heededMatching(selector)))
			if (this.#invalidate(key, invalidate) !== undefined) touched++;
		return touched;
	}

	async keys(selector: PurgeSelector): Promise<string[]> {
		if (this.#closed) throw new TierClosedError(this.name);
		return this.#keysOf(this.#heededMatching(selector));
	}

	async updateMeta(key: string, meta: ObjectMeta, guard: MetaUpdateGuard = {}): Promise<boolean> {
		if (this.#closed) throw new TierClosedError(this.name);
		if (this.#sweeper.running !== 0) this.#sweeper.heed(key);
		const id = this.#idOf(key);
		if (id === undefined || this.#isExpired(id)) return false;
		// Another object was stored under the key since the caller read it (a fill that landed
		// while a 304 was on its way): the update describes the old one, not this one.
		if (
			guard.replacing !== undefined &&
			!sameBytes(metaHeaderView(this.#metaBytes(id)), guard.replacing)
		)
			return false;
		const write = { key, tags: meta.tags };
		const { since } = guard;
		const missed =
			since === undefined
				? undefined
				: this.#purgeHistory.since(since, (selector) => selects(selector, write));
		if (missed?.hard) return false;
		if (!this.#rewrite(key, id, meta).stored) return false;
		// Soft-purged since the mark: the new metadata is marked as that purge marked the old.
		for (const invalidate of missed?.invalidations ?? []) {
			const result = this.#invalidate(key, invalidate);
			if (result !== undefined && !result.stored) return false;
		}
		return true;
	}

	/** Spans given back to the slab so another size class could use their pages. */
	reclaims(): { readonly spans: number; readonly objectsMoved: number } {
		return { spans: this.#spansReclaimed, objectsMoved: this.#objectsMoved };
	}

	stats(): TierStats {
		return {
			hits: this.hits,
			misses: this.#misses,
			evictions: this.#evictions,
			expirations: this.#expirations,
			purges: this.#purges,
			refusals: this.#refusals,
			objects: this.#index.size,
			bytes: this.#bytes,
			capacityBytes: this.capacityBytes,
		};
	}

	// --- WriterHost -------------------------------------------------------------------

	reserve(bytes: number, replacing?: string): number | WriteRefusal {
		const classIndex = classFor(bytes);
		if (classIndex < 0 || bytes > this.maxObjectBytes) return "too-large";
		const charge = (SIZE_CLASSES[classIndex] as SizeClass).size;
		if (charge > this.capacityBytes) return "too-large";
		if (!this.#evictUntilRoomFor(charge, replacing)) return "no-room";
		let handle = this.slab.tryAlloc(bytes);
		// No slot of this class and no page to carve: the free room sits in other classes'
		// slots. Take a span from another class when its objects all fit elsewhere in their
		// class (nothing lost), else evict an entry of this class, else take a span anyway.
		if (handle === SlabErrorCode.SlabFull && this.#reclaimSpanFor(classIndex, false))
			handle = this.slab.tryAlloc(bytes);
		if (handle === SlabErrorCode.SlabFull && this.#evictSameClass(classIndex))
			handle = this.slab.tryAlloc(bytes);
		if (handle === SlabErrorCode.SlabFull && this.#reclaimSpanFor(classIndex, true))
			handle = this.slab.tryAlloc(bytes);
		if (handle === SlabErrorCode.SlabFull) return "no-room";
		if (handle < 0)
			throw new Error(`slab refused an allocation of ${bytes} bytes (code ${handle})`);
		this.#bytes += charge;
		return handle;
	}

	writeSlot(handle: number, offset: number, bytes: Uint8Array): void {
		this.#spans.spanOf(handle).set(bytes, slotOffsetInSpan(handle) + offset);
	}

	unreserve(handle: number): void {
		this.#freeSlot(handle);
	}

	openWrite(write: OpenWrite): void {
		this.#openWrites.add(write);
	}

	endWrite(write: OpenWrite, published: boolean): WriteRefusal | undefined {
		this.#openWrites.delete(write);
		if (!published || write.invalidations === undefined) return undefined;
		// Soft-purged while open: stored, then marked as the purge marked what was stored.
		for (const invalidate of write.invalidations) {
			const result = this.#invalidate(write.key, invalidate);
			if (result !== undefined && !result.stored) return result.reason;
		}
		return undefined;
	}

	publish(
		key: string,
		expiresAt: number,
		tags: readonly string[],
		handle: number,
		metaLength: number,
		bodyLength: number,
	): void {
		const entries = this.#entries;
		const previous = this.#idOf(key);
		// Stored after every sweep running began: newer than their purges. What it replaces
		// is counted to those that condemn it, as if they had reached it first.
		if (this.#sweeper.running !== 0) this.#sweeper.settleStored(key, previous);
		const expiresBit = expiresAt === Number.POSITIVE_INFINITY ? 0 : 1;
		let id: number;
		if (previous !== undefined && !entries.isPinned(previous)) {
			// Replace in place: same id, same index entry. A Map delete plus insert costs
			// several cache misses on a large index; overwriting the row costs one.
			id = previous;
			this.#policy.removed(id, this.#hashFor(key));
			this.#hot.drop(key, id);
			this.#blobs.drop(id);
			this.#untag(id);
			this.#freeSlot(entries.rows[id * ROW + HANDLE] as number);
			if (this.#index.get(key) !== id * 2 + expiresBit) this.#index.set(key, id * 2 + expiresBit);
		} else {
			if (previous !== undefined) this.#remove(previous);
			id = entries.allocateId();
			entries.keys[id] = key;
			this.#indexBytes += keyCharge(key);
			this.#index.set(key, id * 2 + expiresBit);
			const family = familyOf(key);
			if (family !== undefined) this.#families.add(family, id);
		}
		const row = id * ROW;
		entries.rows[row + HANDLE] = handle;
		entries.rows[row + EXPIRES_AT] = expiresAt;
		entries.rows[row + LENGTHS] = packLengths(metaLength, bodyLength);
		if (tags.length > 0) {
			this.#taggedEntries++;
			this.#indexBytes += tagCharge(tags);
			for (const tag of tags) this.#tagIndex.add(tag, id);
		}
		this.#policy.inserted(id, this.#hashFor(key));
	}

	// --- Internals --------------------------------------------------------------------

	#expiryFor(ttlMs: number | undefined): number {
		if (ttlMs === undefined || ttlMs === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
		if (!(ttlMs >= 0)) throw new RangeError(`ttlMs must be >= 0, got ${ttlMs}`);
		return this.#clock.now() + ttlMs;
	}

	/** The key's hash when the policy remembers keys (S3-FIFO's ghost); 0, unhashed, otherwise. */
	#hashFor(key: string): number {
		return this.#policy.wantsKeyHash ? keyHash(key) : 0;
	}

	#idOf(key: string): number | undefined {
		const slot = this.#index.get(key);
		return slot === undefined ? undefined : slot >>> 1;
	}

	/** Writes `meta` with the body stored under `key` (entry `id`) in a new slot, in its place. */
	#rewrite(key: string, id: number, meta: ObjectMeta): CommitResult {
		const entries = this.#entries;
		// Pin the old object so evicting for the new slot cannot free the body we copy.
		entries.pin(id);
		try {
			const body = this.#bodyView(id);
			const writer = this.beginWrite(key, meta, body.byteLength);
			writer.write(body);
			return writer.commit();
		} finally {
			this.#unpin(id);
		}
	}

	/**
	 * Soft-purges the object stored under `key`: its header becomes `invalidate`'s, body,
	 * tags and expiry stay. Undefined when there is nothing to rewrite. A rewrite that cannot
	 * be stored (no room for the longer header) drops the object: left as it was, it would
	 * stay fresh.
	 */
	#invalidate(key: string, invalidate: HeaderInvalidation): CommitResult | undefined {
		if (this.#sweeper.running !== 0) this.#sweeper.heed(key);
		const id = this.#idOf(key);
		if (id === undefined) return undefined;
		if (this.#isExpired(id)) {
			this.#expire(id);
			return undefined;
		}
		const header = invalidate(metaHeaderView(this.#metaBytes(id)));
		if (header === undefined) return undefined;
		const entries = this.#entries;
		const expiresAt = entries.rows[id * ROW + EXPIRES_AT] as number;
		const tags = metaTags(this.#metaBytes(id));
		const result = this.#rewrite(key, id, { expiresAt, tags, header });
		if (!result.stored) {
			const left = this.#idOf(key);
			if (left !== undefined) {
				this.#remove(left);
				this.#purges++;
			}
		}
		return result;
	}

	#isExpired(id: number): boolean {
		return (this.#entries.rows[id * ROW + EXPIRES_AT] as number) <= this.#clock.now();
	}

	#refuse(reason: WriteRefusal): CommitResult {
		this.#refusals++;
		return { stored: false, reason };
	}

	/** A fresh view of an entry's body in the arena. */
	#bodyView(id: number): Uint8Array {
		const rows = this.#entries.rows;
		const row = id * ROW;
		const lengths = rows[row + LENGTHS] as number;
		const handle = rows[row + HANDLE] as number;
		const span = this.#spans.spanOf(handle);
		const start = span.byteOffset + slotOffsetInSpan(handle) + metaLengthOf(lengths);
		return new Uint8Array(span.buffer, start, bodyLengthOf(lengths));
	}

	#metaBytes(id: number): Uint8Array {
		const rows = this.#entries.rows;
		const handle = rows[id * ROW + HANDLE] as number;
		const start = slotOffsetInSpan(handle);
		const length = metaLengthOf(rows[id * ROW + LENGTHS] as number);
		return this.#spans.spanOf(handle).subarray(start, start + length);
	}

	/** Bytes that publishing over `key` will free: its slot, unless a reader pins it. */
	#reclaimable(key: string | undefined): number {
		if (key === undefined) return 0;
		const id = this.#idOf(key);
		if (id === undefined || this.#entries.isPinned(id)) return 0;
		return (
			SIZE_CLASSES[classOfHandle(this.#entries.rows[id * ROW + HANDLE] as number)] as SizeClass
		).size;
	}

	#evictUntilRoomFor(charge: number, replacing: string | undefined): boolean {
		// Re-read each turn: the object being replaced may itself be the victim, and then
		// its room is no longer there to reclaim.
		// The cheap test first: most writes fit without counting on the replaced object.
		// The key is charged as if new: a replacement over-evicts by one key's length at most.
		const needed = charge + (replacing === undefined ? 0 : keyCharge(replacing));
		while (
			this.#bytes + this.#indexBytes + needed > this.capacityBytes &&
			this.#bytes + this.#indexBytes + needed - this.#reclaimable(replacing) > this.capacityBytes
		) {
			const victim = this.#policy.nextVictim(NONE);
			if (victim === NONE) return false;
			if (this.#hot.isHot(victim)) {
				// Read while hot, which the policy did not see: a second chance, not eviction.
				this.#hot.drop(this.#entries.keys[victim] as string, victim);
				this.#policy.accessed(victim);
				continue;
			}
			this.#remove(victim);
			this.#evictions++;
		}
		return true;
	}

	/**
	 * Gives the span of another class with the fewest objects back to the slab, so that
	 * `classIndex` can carve its pages (span-reclaim.ts). Its objects move to free slots of
	 * their class elsewhere; with `mayDrop`, those that find none are evicted, else the span
	 * is left alone unless all of them fit. False when no span could be given back.
	 */
	#reclaimSpanFor(classIndex: number, mayDrop: boolean): boolean {
		const page = this.slab.reclaimCandidate(classIndex);
		if (page < 0) return false;
		const ids = occupantsOf(this.#entries, this.slab, page);
		if (ids === undefined) return false;
		if (!mayDrop && ids.length > 0) {
			const donor = classOfHandle(this.#entries.rows[(ids[0] as number) * ROW + HANDLE] as number);
			const freeElsewhere =
				(this.slab.stats().classes[donor]?.slotsFree ?? 0) -
				((SIZE_CLASSES[donor] as SizeClass).slotsPerSpan - ids.length);
			if (freeElsewhere < ids.length) return false;
		}
		const emptied = emptySpan(this.slab, this.#spans, this.#entries, page, ids, {
			moved: (id) => this.#hot.drop(this.#entries.keys[id] as string, id),
			drop: (id) => {
				this.#remove(id);
				this.#evictions++;
			},
		});
		this.#spansReclaimed++;
		this.#objectsMoved += emptied.moved;
		return true;
	}

	/**
	 * The slab has no free slot of this class and no pages left to carve (other classes
	 * hold them): evict the least valuable unpinned entry of the same class.
	 */
	#evictSameClass(classIndex: number): boolean {
		const entries = this.#entries;
		let candidate = this.#policy.nextVictim(NONE);
		for (let scanned = 0; candidate !== NONE && scanned < SAME_CLASS_SCAN_LIMIT; scanned++) {
			const handle = entries.rows[candidate * ROW + HANDLE] as number;
			if (classOfHandle(handle) === classIndex && !entries.isPinned(candidate)) {
				this.#remove(candidate);
				this.#evictions++;
				return true;
			}
			candidate = this.#policy.nextVictim(candidate);
		}
		return false;
	}

	#expire(id: number): void {
		this.#remove(id);
		this.#expirations++;
	}

	/** Takes the entry out of the index; frees its slot now, or on its last release. */
	#remove(id: number): void {
		const entries = this.#entries;
		const key = entries.keys[id] as string;
		if (this.#idOf(key) === id) {
			this.#index.delete(key);
			const family = familyOf(key);
			if (family !== undefined) this.#families.delete(family, id);
		}
		this.#policy.removed(id, this.#hashFor(key));
		this.#hot.drop(key, id);
		this.#blobs.drop(id);
		this.#untag(id);
		if (entries.isPinned(id)) {
			entries.doom(id);
			return;
		}
		this.#freeSlot(entries.rows[id * ROW + HANDLE] as number);
		this.#releaseId(id);
	}

	/** Takes the entry out of its tags' index, reading them from its slot (still held). */
	#untag(id: number): void {
		// Most caches use no tags: then this touches nothing.
		if (this.#taggedEntries === 0) return;
		const tags = metaTags(this.#metaBytes(id));
		if (tags.length === 0) return;
		this.#taggedEntries--;
		this.#indexBytes -= tagCharge(tags);
		for (const tag of tags) this.#tagIndex.delete(tag, id);
	}

	#unpin(id: number): void {
		const entries = this.#entries;
		if (entries.unpin(id) && entries.takeDoomed(id)) {
			this.#freeSlot(entries.rows[id * ROW + HANDLE] as number);
			this.#releaseId(id);
		}
	}

	/** The id's key is no longer held: its characters leave the charge with it. */
	#releaseId(id: number): void {
		this.#indexBytes -= keyCharge(this.#entries.keys[id] as string);
		this.#entries.releaseId(id);
	}

	#freeSlot(handle: number): void {
		this.#bytes -= (SIZE_CLASSES[classOfHandle(handle)] as SizeClass).size;
		this.slab.free(handle);
	}

	/**
	 * Ids of the stored objects `selector` matches, once the running sweeps have been carried
	 * out on them (heeded by key: a rewrite may hand a matched id to another key).
	 */
	#heededMatching(selector: PurgeSelector): number[] {
		if (this.#sweeper.running !== 0)
			for (const key of this.#keysOf(this.#matching(selector))) this.#sweeper.heed(key);
		return this.#matching(selector);
	}

	#keysOf(ids: readonly number[]): string[] {
		return ids.map((id) => this.#entries.keys[id] as string);
	}

	/** Ids of the stored objects `selector` matches (selects() is its rule for open writes). */
	#matching(selector: PurgeSelector): number[] {
		if ("key" in selector) {
			const id = this.#idOf(selector.key);
			return id === undefined ? [] : [id];
		}
		if ("tag" in selector) return this.#tagIndex.ids(selector.tag);
		const { prefix } = selector;
		const family = familyOfPrefix(prefix);
		if (family !== undefined) {
			const keys = this.#entries.keys;
			return this.#families.ids(family).filter((id) => (keys[id] as string).startsWith(prefix));
		}
		const ids: number[] = [];
		for (const [key, slot] of this.#index) if (key.startsWith(prefix)) ids.push(slot >>> 1);
		return ids;
	}
}

/** A prefix that names no key family: only a walk over every key finds what it matches. */
function needsSweep(selector: PurgeSelector): selector is { readonly prefix: string } {
	return "prefix" in selector && familyOfPrefix(selector.prefix) === undefined;
}

export class TierClosedError extends Error {
	constructor(tier: string) {
		super(`${tier} tier is closed`);
		this.name = "TierClosedError";
	}
}
