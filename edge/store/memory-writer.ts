import type { CommitResult, ObjectWriter, WriteRefusal } from "./storage.ts";

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
}

/** Where a committed object goes, and the metadata the tier keeps outside the slot. */
export interface PublishTarget {
	readonly key: string;
	readonly expiresAt: number;
	readonly tags: readonly string[];
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

/**
 * A writer dropped without commit or abort (a caller bug, or a crash between awaits) would
 * otherwise hold its reserved slot forever: give the slot back when the writer is collected.
 */
const abandoned = new FinalizationRegistry<{ host: WriterHost; handle: number }>(
	({ host, handle }) => {
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
 */
export class MemoryWriter implements ObjectWriter {
	#state: WriterState;

	constructor(
		private readonly host: WriterHost,
		private readonly target: PublishTarget,
		private readonly meta: Uint8Array,
		sizeHint: number | undefined,
	) {
		this.#state = this.#open(sizeHint);
	}

	#open(sizeHint: number | undefined): WriterState {
		if (sizeHint === undefined) return { kind: "open-buffered", chunks: [], written: 0 };
		if (!Number.isSafeInteger(sizeHint) || sizeHint < 0) return refused("length-mismatch");
		const total = this.meta.byteLength + sizeHint;
		if (total > this.host.maxObjectBytes) return refused("too-large");
		const handle = this.host.reserve(total, this.target.key);
		if (typeof handle === "string") return refused(handle);
		this.host.writeSlot(handle, 0, this.meta);
		abandoned.register(this, { host: this.host, handle }, this);
		return { kind: "open-direct", handle, written: 0, expected: sizeHint };
	}

	get refused(): WriteRefusal | undefined {
		const state = this.#state;
		return state.kind === "done" && !state.result.stored ? state.result.reason : undefined;
	}

	write(chunk: Uint8Array): void {
		const state = this.#state;
		if (state.kind === "done") return;
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
		if (state.kind === "open-direct") {
			if (state.written !== state.expected) {
				this.#fail("length-mismatch");
				return this.commit();
			}
			abandoned.unregister(this);
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
				this.#state = refused(handle);
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
		this.#state = { kind: "done", result: { stored: true } };
		return this.#state.result;
	}

	abort(): void {
		this.#fail("aborted");
	}

	#fail(reason: WriteRefusal): void {
		const state = this.#state;
		if (state.kind === "done") return;
		if (state.kind === "open-direct") {
			abandoned.unregister(this);
			this.host.unreserve(state.handle);
		}
		this.#state = refused(reason);
	}
}

function refused(reason: WriteRefusal): WriterState {
	return { kind: "done", result: { stored: false, reason } };
}
