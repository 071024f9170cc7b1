/**
 * A fill in progress, as the requests waiting on it may follow it (the lock's
 * Writer.share): the response's head as it is being stored, and its body as it arrives,
 * from the first byte for whoever joins late. Without it a waiter on a large object waited
 * for the whole of it before its first byte, and past the lock's wait went to the origin
 * for it again.
 *
 * Only a fill whose Content-Length was declared is followed: that length bounds what the
 * feed holds (the tier's gate admitted it), and a body that disagrees with it fails the
 * followers, as it fails the fill.
 *
 * The bytes are not held twice. While the tier's writer gathers the body in a buffer of its
 * own that it never reuses (ObjectWriter.bodySoFar: the large store's), followers read
 * from that buffer, and the feed keeps no chunk: the buffer is what the store publishes,
 * so a slow follower after the commit reads the stored copy. Only the chunks the writer
 * does not hold (all of them for a slab write, those after the tier refused the body) are
 * kept, and once no one can join any more (`seal`) each goes when every follower has read
 * it.
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
const EMPTY = new Uint8Array(0);

/** The most bytes a follower is handed at once from the writer's buffer. */
export const HELD_READ_BYTES = 256 * 1024;

/** A follower's place in a feed (FillFeed.join): its body, or its leaving without one. */
export interface FillSeat {
	/** The body from its first byte, as it arrives. Once per seat. */
	body(): ReadableStream<Uint8Array>;
	/** The follower needs no (more) body: a 304, a HEAD, a client gone. */
	leave(): void;
}

/** Where a follower is: its byte offset, and its next chunk of the kept tail. */
interface Place {
	offset: number;
	nextTail: number;
}

export class FillFeed {
	/**
	 * The body's first bytes, as the tier's writer holds them (a view of its buffer):
	 * everything received while the writer held it all.
	 */
	#held: Uint8Array = EMPTY;
	/** Whether the writer still holds every byte: once it does not, the tail is kept. */
	#writerHolds = true;
	/** The chunks after `#held`, by index; those every seat has passed go once sealed. */
	#tail: (Uint8Array | undefined)[] = [];
	/** Tail chunks before this index are dropped. */
	#dropped = 0;
	#received = 0;
	#state: FeedState = OPEN;
	readonly #seats = new Set<Place>();
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

	/** Chunks of the tail held now (for tests of what sealing and the writer's buffer save). */
	get heldChunks(): number {
		return this.#tail.length - this.#dropped;
	}

	/**
	 * The next chunk of the body, after the tier's writer took it. `heldSoFar` is the
	 * writer's buffer of the whole body so far, when it keeps one followers may read
	 * (ObjectWriter.bodySoFar). More bytes than declared fail the feed.
	 */
	push(chunk: Uint8Array, heldSoFar?: Uint8Array): void {
		if (this.#state !== OPEN) return;
		this.#received += chunk.byteLength;
		if (this.#received > this.head.length) {
			this.fail(`body longer than its Content-Length (${this.head.length})`);
			return;
		}
		if (this.#writerHolds && heldSoFar?.byteLength === this.#received) this.#held = heldSoFar;
		else {
			// From here on the bytes are the feed's to keep: the writer's buffer ends before.
			this.#writerHolds = false;
			if (chunk.byteLength > 0) this.#tail.push(chunk);
		}
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
		this.#held = EMPTY;
		this.#tail = [];
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
		const place: Place = { offset: 0, nextTail: 0 };
		this.#seats.add(place);
		const leave = () => {
			if (this.#seats.delete(place)) this.#dropBehind();
		};
		return { body: () => this.#read(place, leave), leave };
	}

	/**
	 * No one joins from now on (the writer's turn is over): the kept chunks every seat has
	 * passed go, and go on going as the slowest follower reads, rather than be held whole
	 * until the last one is done (the stored copy is the tier's own).
	 */
	seal(): void {
		this.#sealed = true;
		this.#dropBehind();
	}

	/** The next bytes for a follower at `place`, or undefined when it has all there is yet. */
	#nextFor(place: Place): Uint8Array | undefined {
		const held = this.#held;
		if (place.offset < held.byteLength) {
			const piece = held.subarray(place.offset, place.offset + HELD_READ_BYTES);
			place.offset += piece.byteLength;
			return piece;
		}
		const chunk = this.#tail[place.nextTail];
		if (chunk === undefined) return undefined;
		place.nextTail++;
		place.offset += chunk.byteLength;
		return chunk;
	}

	/**
	 * A seat's body. A follower that stops reading (its client left) only leaves its seat;
	 * the fill goes on for the tier and the others.
	 */
	#read(place: Place, leave: () => void): ReadableStream<Uint8Array> {
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
						const next = this.#nextFor(place);
						if (next !== undefined) {
							controller.enqueue(next);
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

	/**
	 * Once sealed, drops the kept chunks before the slowest seat (all of them, with none
	 * left), and the writer's buffer once every seat is past it.
	 */
	#dropBehind(): void {
		if (!this.#sealed) return;
		let slowest = this.#tail.length;
		let slowestOffset = this.#received;
		for (const place of this.#seats) {
			slowest = Math.min(slowest, place.nextTail);
			slowestOffset = Math.min(slowestOffset, place.offset);
		}
		for (let i = this.#dropped; i < slowest; i++) this.#tail[i] = undefined;
		this.#dropped = Math.max(this.#dropped, slowest);
		if (slowestOffset >= this.#held.byteLength) this.#held = EMPTY;
	}

	#wake(): void {
		const waking = this.#waking;
		if (waking.length === 0) return;
		this.#waking = [];
		for (const resolve of waking) resolve();
	}
}
