/**
 * L0 as the edge sees it: the slab tier for objects up to its gate, the large objects' store
 * (large-objects.ts) for those above it, behind one Storage. A write goes to one of the two
 * by its size: at once when the origin said it (Content-Length), else at commit, once the
 * whole body has been gathered. A key is stored in at most one of them: committing in one
 * discards the key from the other, so a lookup never finds an older copy beside a newer one.
 *
 * Both share one purge history, so a mark taken here holds a write to the purges of both,
 * whichever it ends in.
 */
import { CommitObserver } from "./commit-observer.ts";
import type { LargeObjectStore } from "./large-objects.ts";
import type { MemoryTier } from "./memory.ts";
import { encodedMetaLength } from "./meta-codec.ts";
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

/** What this needs of both stores: each lookup, write, purge and figure goes to one or both. */
type RoutedMembers =
	| "maxObjectBytes"
	| "lookupSync"
	| "beginWrite"
	| "purge"
	| "softPurge"
	| "keys"
	| "updateMeta"
	| "discard"
	| "stats";

/** What this needs of the slab tier (MemoryTier; a narrower type for tests). */
export type SmallTier = Pick<MemoryTier, RoutedMembers | "name" | "purgeMark">;

/** What this needs of the large objects' store. */
export type LargeTier = Pick<LargeObjectStore, RoutedMembers>;

export class SizeRoutedStorage implements Storage {
	readonly name: string;
	/** The largest object either admits. */
	readonly maxObjectBytes: number;

	/** `small` and `large` must share one PurgeHistory (their purgeHistory options). */
	constructor(
		private readonly small: SmallTier,
		private readonly large: LargeTier,
	) {
		this.name = small.name;
		this.maxObjectBytes = Math.max(small.maxObjectBytes, large.maxObjectBytes);
	}

	async lookup(key: string): Promise<CachedObject | undefined> {
		return this.lookupSync(key);
	}

	lookupSync(key: string): CachedObject | undefined {
		return this.small.lookupSync(key) ?? this.large.lookupSync(key);
	}

	purgeMark(): PurgeMark {
		return this.small.purgeMark();
	}

	beginWrite(key: string, meta: ObjectMeta, sizeHint?: number, since?: PurgeMark): ObjectWriter {
		const mark = since ?? this.purgeMark();
		if (sizeHint === undefined) return new SizeDecidedAtCommit(this, key, meta, mark);
		return this.writerFor(key, meta, sizeHint, mark);
	}

	/** The slab tier's gate: the largest object (encoded metadata + body) it admits. */
	get smallGate(): number {
		return this.small.maxObjectBytes;
	}

	/**
	 * The writer of the tier an object of `bodyBytes` belongs in (`metaBytes`: its metadata as
	 * the slab tier encodes it); committing it discards the other's copy.
	 */
	writerFor(
		key: string,
		meta: ObjectMeta,
		bodyBytes: number,
		since: PurgeMark,
		metaBytes = encodedMetaLength(meta),
	): ObjectWriter {
		if (metaBytes + bodyBytes > this.small.maxObjectBytes)
			return this.largeWriter(key, meta, since, bodyBytes);
		const write = this.small.beginWrite(key, meta, bodyBytes, since);
		return new CommitObserver(write, (result) => result.stored && this.large.discard(key));
	}

	/** A write into the large store; committing it discards the slab tier's copy. */
	largeWriter(key: string, meta: ObjectMeta, since: PurgeMark, bodyBytes?: number): ObjectWriter {
		const write = this.large.beginWrite(key, meta, bodyBytes, since);
		return new CommitObserver(write, (result) => result.stored && this.small.discard(key));
	}

	// Both stores take a purge in the same turn: the slab tier's may resolve later (a swept
	// path prefix), and the large store must not serve what it matches meanwhile.
	async purge(selector: PurgeSelector): Promise<number> {
		const [small, large] = await Promise.all([
			this.small.purge(selector),
			this.large.purge(selector),
		]);
		return small + large;
	}

	async softPurge(selector: PurgeSelector, invalidate: HeaderInvalidation): Promise<number> {
		const [small, large] = await Promise.all([
			this.small.softPurge(selector, invalidate),
			this.large.softPurge(selector, invalidate),
		]);
		return small + large;
	}

	async keys(selector: PurgeSelector): Promise<string[]> {
		return [...(await this.small.keys(selector)), ...(await this.large.keys(selector))];
	}

	async updateMeta(key: string, meta: ObjectMeta, guard?: MetaUpdateGuard): Promise<boolean> {
		return (
			(await this.small.updateMeta(key, meta, guard)) ||
			(await this.large.updateMeta(key, meta, guard))
		);
	}

	/**
	 * Both tiers' figures summed, except misses: every lookup the slab tier misses asks the
	 * large store, so a miss of both is the large store's miss, and the slab tier's misses
	 * include the large store's hits.
	 */
	stats(): TierStats {
		const small = this.small.stats();
		const large = this.large.stats();
		return {
			hits: small.hits + large.hits,
			misses: large.misses,
			evictions: small.evictions + large.evictions,
			expirations: small.expirations + large.expirations,
			purges: small.purges + large.purges,
			refusals: small.refusals + large.refusals,
			objects: small.objects + large.objects,
			bytes: small.bytes + large.bytes,
			capacityBytes: small.capacityBytes + large.capacityBytes,
		};
	}
}

/**
 * A write of unknown length: chunks are gathered while they still fit the slab tier, then
 * written whole to it at commit; once they outgrow it, they go on into a large store write
 * (whose buffer counts against that store's budget). Either write is opened with the mark
 * taken at the start, so purges made meanwhile reach it as if it had been open all along.
 */
class SizeDecidedAtCommit implements ObjectWriter {
	#chunks: Uint8Array[] = [];
	#written = 0;
	readonly #metaBytes: number;
	#large: ObjectWriter | undefined;
	#result: CommitResult | undefined;

	constructor(
		private readonly storage: SizeRoutedStorage,
		private readonly key: string,
		private readonly meta: ObjectMeta,
		private readonly mark: PurgeMark,
	) {
		this.#metaBytes = encodedMetaLength(meta);
	}

	/**
	 * Known only once the chunks went on into a large store write: until then the purges
	 * are looked up at commit, from the mark the write began with.
	 */
	get overtaken(): boolean {
		return this.#large?.overtaken ?? false;
	}

	bodySoFar(): Uint8Array | undefined {
		// The large writer itself answers undefined once committed or aborted.
		return this.#large?.bodySoFar?.();
	}

	get refused(): WriteRefusal | undefined {
		const result = this.#result;
		if (result !== undefined) return result.stored ? undefined : result.reason;
		return this.#large?.refused;
	}

	write(chunk: Uint8Array): void {
		if (this.#result !== undefined) return;
		if (this.#large !== undefined) {
			this.#large.write(chunk);
			return;
		}
		this.#written += chunk.byteLength;
		this.#chunks.push(chunk);
		if (this.#metaBytes + this.#written <= this.storage.smallGate) return;
		this.#large = this.storage.largeWriter(this.key, this.meta, this.mark);
		for (const gathered of this.#chunks) this.#large.write(gathered);
		this.#chunks = [];
	}

	commit(): CommitResult {
		if (this.#result !== undefined) return this.#result;
		const writer =
			this.#large ??
			this.storage.writerFor(this.key, this.meta, this.#written, this.mark, this.#metaBytes);
		if (this.#large === undefined) for (const chunk of this.#chunks) writer.write(chunk);
		return this.#end(writer.commit());
	}

	abort(): void {
		this.#large?.abort();
		this.#end({ stored: false, reason: "aborted" });
	}

	#end(result: CommitResult): CommitResult {
		this.#result ??= result;
		this.#chunks = [];
		return this.#result;
	}
}
