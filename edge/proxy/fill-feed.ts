/**
 * A fill in progress, as the requests waiting on it may follow it (the lock's
 * Writer.share): the response's head as it is being stored, and its body as it arrives,
 * from the first byte for whoever joins late. Without it a waiter on a large object waited
 * for the whole of it before its first byte, and past the lock's wait went to the origin
 * for it again.
 *
 * Only a fill whose Content-Length was declared is followed: that length bounds what the
 * feed holds (the tier's gate admitted it), and a body that disagrees with it fails the
 * followers, as it fails the fill. The chunks are the ones the tier's writer is handed, so
 * holding them costs the objects, not another copy while the fill runs. After it (`seal`),
 * the tier holds its own copy, so each chunk goes once every follower has read it.
 *
 * And only a large one (FOLLOWED_FROM_BYTES): a follower shares its fill's fate, so an
 * origin that breaks off mid-body fails every follower, where a waiter on the whole object
 * is served by the next writer's try. A small body arrives about as soon as its head, so
 * following it gains nothing for that risk; on a large one the wait is the whole download.
 */
import type { VarySpec } from "../http/vary.ts";
import type { StoredResponse } from "./stored-response.ts";

/** The least declared length a fill is followed at (see the file comment). */
export const FOLLOWED_FROM_BYTES = 1024 * 1024;

/** What a fill stores, known before its body: enough to answer a follower's head. */
export interface FillHead {
	/** Where the fill stores the response (a variant's key when it varies). */
	readonly storageKey: string;
	readonly stored: StoredResponse;
	readonly vary: VarySpec;
	/** The variant the fill stores (variantKey of the fields the origin was sent). */
	readonly variant: string;
	/** The body's length, from its Content-Length. */
	readonly length: number;
	/**
	 * A purge has reached the fill since it began (ObjectWriter.overtaken): requests that
	 * come after it must not follow. Those that followed before keep reading, as a response
	 * already on its way would.
	 */
	readonly overtaken: () => boolean;
}

type FeedState =
	| { readonly kind: "open" }
	| { readonly kind: "done" }
	| { readonly kind: "failed"; readonly reason: string };

const OPEN: FeedState = Object.freeze({ kind: "open" });
const DONE: FeedState = Object.freeze({ kind: "done" });

/** A follower's place in a feed (FillFeed.join): its body, or its leaving without one. */
export interface FillSeat {
	/** The body from its first byte, as it arrives. Once per seat. */
	body(): ReadableStream<Uint8Array>;
	/** The follower needs no (more) body: a 304, a HEAD, a client gone. */
	leave(): void;
}

export class FillFeed {
	/** The body's chunks by index; those every seat has passed are dropped once sealed. */
	#chunks: (Uint8Array | undefined)[] = [];
	/** Chunks before this index are dropped. */
	#dropped = 0;
	#received = 0;
	#state: FeedState = OPEN;
	/** Each seat's next chunk. */
	readonly #seats = new Set<{ next: number }>();
	#sealed = false;
	/** Followers caught up with the body, woken by the next chunk or the end. */
	#waking: (() => void)[] = [];

	constructor(readonly head: FillHead) {}

	/** Bytes of the body received so far. */
	get received(): number {
		return this.#received;
	}

	get state(): FeedState["kind"] {
		return this.#state.kind;
	}

	/** Chunks held now (for tests of what sealing frees). */
	get heldChunks(): number {
		return this.#chunks.length - this.#dropped;
	}

	/** The next chunk of the body. More bytes than declared fail the feed. */
	push(chunk: Uint8Array): void {
		if (this.#state !== OPEN) return;
		this.#received += chunk.byteLength;
		if (this.#received > this.head.length) {
			this.fail(`body longer than its Content-Length (${this.head.length})`);
			return;
		}
		if (chunk.byteLength > 0) this.#chunks.push(chunk);
		this.#dropBehind();
		this.#wake();
	}

	/** The body ended: complete when it has the declared length, else failed. */
	end(): void {
		if (this.#state !== OPEN) return;
		if (this.#received !== this.head.length) {
			this.fail(`body of ${this.#received} bytes, its Content-Length says ${this.head.length}`);
			return;
		}
		this.#state = DONE;
		this.#wake();
	}

	/** The body broke off: followers' streams fail, so no client takes a short body whole. */
	fail(reason: string): void {
		if (this.#state !== OPEN) return;
		this.#state = { kind: "failed", reason };
		this.#chunks = [];
		this.#dropped = 0;
		this.#wake();
	}

	/**
	 * A seat for a new follower, at the first byte; undefined once sealed. Taken when the
	 * follower is accepted, before it asks for the body, so sealing cannot drop what it
	 * has yet to read.
	 */
	join(): FillSeat | undefined {
		if (this.#sealed) return undefined;
		const seat = { next: 0 };
		this.#seats.add(seat);
		const leave = () => {
			if (this.#seats.delete(seat)) this.#dropBehind();
		};
		return { body: () => this.#read(seat, leave), leave };
	}

	/**
	 * No one joins from now on (the writer's turn is over): the chunks every seat has passed
	 * go, and go on going as the slowest follower reads, rather than be held whole until
	 * the last one is done (the stored copy is the tier's own).
	 */
	seal(): void {
		this.#sealed = true;
		this.#dropBehind();
	}

	/**
	 * A seat's body. A follower that stops reading (its client left) only leaves its seat;
	 * the fill goes on for the tier and the others.
	 */
	#read(seat: { next: number }, leave: () => void): ReadableStream<Uint8Array> {
		return new ReadableStream<Uint8Array>(
			{
				pull: async (controller) => {
					for (;;) {
						const state = this.#state;
						if (state.kind === "failed") {
							leave();
							controller.error(new Error(`fill failed: ${state.reason}`));
							return;
						}
						const chunk = this.#chunks[seat.next];
						if (chunk !== undefined) {
							seat.next++;
							controller.enqueue(chunk);
							this.#dropBehind();
							return;
						}
						if (state.kind === "done") {
							leave();
							controller.close();
							return;
						}
						await new Promise<void>((resolve) => this.#waking.push(resolve));
					}
				},
				cancel: leave,
			},
			// Pulled only when read: a seat's place is what its reader has taken, no more.
			{ highWaterMark: 0 },
		);
	}

	/** Once sealed, drops the chunks before the slowest seat (all of them, with none left). */
	#dropBehind(): void {
		if (!this.#sealed) return;
		let slowest = this.#chunks.length;
		for (const seat of this.#seats) slowest = Math.min(slowest, seat.next);
		for (let i = this.#dropped; i < slowest; i++) this.#chunks[i] = undefined;
		this.#dropped = Math.max(this.#dropped, slowest);
	}

	#wake(): void {
		const waking = this.#waking;
		if (waking.length === 0) return;
		this.#waking = [];
		for (const resolve of waking) resolve();
	}
}
