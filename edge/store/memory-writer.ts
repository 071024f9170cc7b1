import { overtakenByPurge } from "./open-writes.ts";
import type { CommitResult, HeaderInvalidation, ObjectWriter, WriteRefusal } from "./storage.ts";

/** What a writer needs from its tier: room, and a way to make the object visible. */
export interface WriterHost {
	/** Copies bytes into a reserved slot at `offset` from the slot's start. */
	writeSlot(handle: number, offset: number, bytes: Uint8Array): void;
	/** Largest object (metadata + body) the tier admits. */
	readonly maxObjectBytes: number;
	/**
	 * Allocates a slot of `bytes`, evicting as needed; a refusal when that fails. The slot
	 * of an object stored under `replacing` counts as room: publishing frees it.
	 */
	reserve(bytes: number, replacing?: string): number | WriteRefusal;
	/** Frees a reserved slot that never became visible. */
	unreserve(handle: number): void;
	/** Makes a fully written slot visible under the target's key, replacing any older object. */
	publish(
		key: string,
		expiresAt: number,
		tags: readonly string[],
		handle: number,
		metaLength: number,
		bodyLength: number,
	): void;
	/** The write is open: purges from now on must reach it (OpenWrite). */
	openWrite(write: OpenWrite): void;
	/**
	 * The write is done and purges no longer reach it. `published`: its object was just made
	 * visible, and the host applies to it the soft purges that matched the write meanwhile;
	 * it answers why the object is not stored after all, if it is not.
	 */
	endWrite(write: OpenWrite, published: boolean): WriteRefusal | undefined;
}

/** Where a committed object goes, and the metadata the tier keeps outside the slot. */
export interface PublishTarget {
	readonly key: string;
	readonly expiresAt: number;
	readonly tags: readonly string[];
}

/**
 * A write as the tier's purges see it while it is open: what a purge matches (key, tags)
 * and what the purges that matched decided. The tier keeps the open ones in a set; it
 * refers to no writer, so a writer dropped unfinished can still be collected.
 */
export interface OpenWrite extends PublishTarget {
	/** A hard purge matched: the write stores nothing ("purged-during-fill"). */
	purged: boolean;
	/** The soft purges that matched, in order: the committed object is rewritten by them. */
	invalidations: HeaderInvalidation[] | undefined;
}

type WriterState =
	| {
			readonly kind: "open-direct";
			readonly handle: number;
			written: number;
			readonly expected: number;
	  }
	| { readonly kind: "open-buffered"; readonly chunks: Uint8Array[]; written: number }
	| { readonly kind: "done"; readonly result: CommitResult };

/** No slot reserved yet: a buffered write reserves one at commit. */
const NO_SLOT = -1;

/**
 * A writer dropped without commit or abort (a caller bug, or a crash between awaits) would
 * otherwise hold its reserved slot, and its place among the tier's open writes, forever:
 * give both back when the writer is collected.
 */
const abandoned = new FinalizationRegistry<{ host: WriterHost; handle: number; write: OpenWrite }>(
	({ host, handle, write }) => {
		host.endWrite(write, false);
		if (handle === NO_SLOT) return;
		try {
			host.unreserve(handle);
		} catch {
			// The slab was closed since: its memory is gone already.
		}
	},
);

/**
 * A streamed write into the memory tier. With a size hint the slot is reserved up front
 * and chunks go straight into the slab; without one they are buffered until commit, when
 * the total is known. Either way nothing is visible before commit() returns stored.
 *
 * While open, the write is among the host's open writes, where purges mark it (OpenWrite):
 * after a hard purge its next write() or commit() gives up ("purged-during-fill", the slot
 * freed at once); a soft purge lets it commit and the host rewrites the object it stored.
 */
export class MemoryWriter implements ObjectWriter {
	#state: WriterState;

	constructor(
		private readonly host: WriterHost,
		private readonly target: OpenWrite,
		private readonly meta: Uint8Array,
		sizeHint: number | undefined,
	) {
		const state = this.#open(sizeHint);
		this.#state = state;
		if (state.kind === "done") return;
		host.openWrite(target);
		const handle = state.kind === "open-direct" ? state.handle : NO_SLOT;
		abandoned.register(this, { host, handle, write: target }, this);
	}

	#open(sizeHint: number | undefined): WriterState {
		if (sizeHint === undefined) return { kind: "open-buffered", chunks: [], written: 0 };
		if (!Number.isSafeInteger(sizeHint) || sizeHint < 0) return refused("length-mismatch");
		const total = this.meta.byteLength + sizeHint;
		if (total > this.host.maxObjectBytes) return refused("too-large");
		const handle = this.host.reserve(total, this.target.key);
		if (typeof handle === "string") return refused(handle);
		this.host.writeSlot(handle, 0, this.meta);
		return { kind: "open-direct", handle, written: 0, expected: sizeHint };
	}

	get overtaken(): boolean {
		return overtakenByPurge(this.target);
	}

	get refused(): WriteRefusal | undefined {
		const state = this.#state;
		return state.kind === "done" && !state.result.stored ? state.result.reason : undefined;
	}

	write(chunk: Uint8Array): void {
		const state = this.#state;
		if (state.kind === "done") return;
		if (this.target.purged) {
			this.#fail("purged-during-fill");
			return;
		}
		const written = state.written + chunk.byteLength;
		if (state.kind === "open-direct") {
			if (written > state.expected) {
				this.#fail("length-mismatch");
				return;
			}
			this.host.writeSlot(state.handle, this.meta.byteLength + state.written, chunk);
		} else {
			if (this.meta.byteLength + written > this.host.maxObjectBytes) {
				this.#fail("too-large");
				return;
			}
			state.chunks.push(chunk);
		}
		state.written = written;
	}

	commit(): CommitResult {
		const state = this.#state;
		if (state.kind === "done") return state.result;
		if (this.target.purged) {
			this.#fail("purged-during-fill");
			return this.commit();
		}
		if (state.kind === "open-direct") {
			if (state.written !== state.expected) {
				this.#fail("length-mismatch");
				return this.commit();
			}
			this.host.publish(
				this.target.key,
				this.target.expiresAt,
				this.target.tags,
				state.handle,
				this.meta.byteLength,
				state.written,
			);
		} else {
			const handle = this.host.reserve(this.meta.byteLength + state.written, this.target.key);
			if (typeof handle === "string") {
				this.#fail(handle);
				return this.commit();
			}
			this.host.writeSlot(handle, 0, this.meta);
			let offset = this.meta.byteLength;
			for (const chunk of state.chunks) {
				this.host.writeSlot(handle, offset, chunk);
				offset += chunk.byteLength;
			}
			this.host.publish(
				this.target.key,
				this.target.expiresAt,
				this.target.tags,
				handle,
				this.meta.byteLength,
				state.written,
			);
		}
		abandoned.unregister(this);
		const after = this.host.endWrite(this.target, true);
		this.#state = after === undefined ? STORED : refused(after);
		return this.commit();
	}

	abort(): void {
		this.#fail("aborted");
	}

	#fail(reason: WriteRefusal): void {
		const state = this.#state;
		if (state.kind === "done") return;
		abandoned.unregister(this);
		if (state.kind === "open-direct") this.host.unreserve(state.handle);
		this.host.endWrite(this.target, false);
		this.#state = refused(reason);
	}
}

const STORED: WriterState = { kind: "done", result: Object.freeze({ stored: true }) };

function refused(reason: WriteRefusal): WriterState {
	return { kind: "done", result: { stored: false, reason } };
}
