import type { OpenWrite } from "./memory-writer.ts";
import { overtakenByPurge } from "./open-writes.ts";
import type { CommitResult, ObjectWriter, WriteRefusal } from "./storage.ts";

/** What a large write needs from its store. */
export interface LargeWriteHost {
	/** The largest body (with its header) the store admits. */
	readonly maxObjectBytes: number;
	/**
	 * Takes `bytes` of the store's in-flight budget for a write's buffer; false when the
	 * writes open now already hold as much as the store may buffer.
	 */
	claimBuffer(bytes: number): boolean;
	/** Gives back what claimBuffer took. */
	returnBuffer(bytes: number): void;
	/** Makes the finished body visible under the target's key; why not, if it is not. */
	publish(write: OpenWrite, header: Uint8Array, body: Uint8Array): WriteRefusal | undefined;
	/** The write is open: purges from now on must reach it. */
	openWrite(write: OpenWrite): void;
	/** The write is done: purges no longer reach it. */
	endWrite(write: OpenWrite): void;
}

type State =
	| { readonly kind: "open"; body: Uint8Array; written: number; readonly expected?: number }
	| { readonly kind: "done"; readonly result: CommitResult };

/** A dropped, unfinished writer would hold its place among the open writes and its buffer. */
const abandoned = new FinalizationRegistry<{
	host: LargeWriteHost;
	write: OpenWrite;
	claimed: { bytes: number };
}>(({ host, write, claimed }) => {
	host.endWrite(write);
	host.returnBuffer(claimed.bytes);
});

/**
 * A streamed write into the large objects' store. The body is gathered in one buffer (sized
 * at once from a size hint, else grown by doubling) and becomes visible only at commit.
 * Buffers count against the store's in-flight budget while open, so many large fills at once
 * cannot hold more than the store may: past it a write refuses itself ("no-room") and the
 * response still streams to its client.
 */
export class LargeWriter implements ObjectWriter {
	#state: State;
	readonly #claimed = { bytes: 0 };

	constructor(
		private readonly host: LargeWriteHost,
		private readonly target: OpenWrite,
		private readonly header: Uint8Array,
		sizeHint: number | undefined,
	) {
		this.#state = this.#open(sizeHint);
		if (this.#state.kind === "done") return;
		host.openWrite(target);
		abandoned.register(this, { host, write: target, claimed: this.#claimed }, this);
	}

	#open(sizeHint: number | undefined): State {
		if (sizeHint === undefined) return this.#grown({ kind: "open", body: EMPTY, written: 0 }, 0);
		if (!Number.isSafeInteger(sizeHint) || sizeHint < 0) return refused("length-mismatch");
		if (this.header.byteLength + sizeHint > this.host.maxObjectBytes) return refused("too-large");
		const state = { kind: "open" as const, body: EMPTY, written: 0, expected: sizeHint };
		return this.#grown(state, sizeHint);
	}

	/** The state with room for `needed` body bytes, or refused when the budget says no. */
	#grown(state: State & { kind: "open" }, needed: number): State {
		if (needed <= state.body.byteLength && state.body !== EMPTY) return state;
		const size =
			state.expected ??
			Math.min(Math.max(needed, state.body.byteLength * 2, INITIAL_BYTES), this.#cap());
		const more = size - this.#claimed.bytes;
		if (more > 0 && !this.host.claimBuffer(more)) return this.#end(refused("no-room"));
		if (more > 0) this.#claimed.bytes += more;
		const body = new Uint8Array(size);
		body.set(state.body.subarray(0, state.written));
		state.body = body;
		return state;
	}

	/** The most body bytes this write may gather. */
	#cap(): number {
		return Math.max(0, this.host.maxObjectBytes - this.header.byteLength);
	}

	get overtaken(): boolean {
		return overtakenByPurge(this.target);
	}

	get refused(): WriteRefusal | undefined {
		const state = this.#state;
		return state.kind === "done" && !state.result.stored ? state.result.reason : undefined;
	}

	bodySoFar(): Uint8Array | undefined {
		const state = this.#state;
		return state.kind === "open" ? state.body.subarray(0, state.written) : undefined;
	}

	write(chunk: Uint8Array): void {
		const state = this.#state;
		if (state.kind === "done") return;
		if (this.target.purged) {
			this.#state = this.#end(refused("purged-during-fill"));
			return;
		}
		const written = state.written + chunk.byteLength;
		if (state.expected !== undefined && written > state.expected) {
			this.#state = this.#end(refused("length-mismatch"));
			return;
		}
		if (written > this.#cap()) {
			this.#state = this.#end(refused("too-large"));
			return;
		}
		const room = this.#grown(state, written);
		if (room.kind === "done") {
			this.#state = room;
			return;
		}
		state.body.set(chunk, state.written);
		state.written = written;
	}

	commit(): CommitResult {
		const state = this.#state;
		if (state.kind === "done") return state.result;
		if (this.target.purged) this.#state = this.#end(refused("purged-during-fill"));
		else if (state.expected !== undefined && state.written !== state.expected)
			this.#state = this.#end(refused("length-mismatch"));
		else {
			// A buffer grown by doubling is cut to the body: the store holds only what it charges.
			const body =
				state.written === state.body.byteLength ? state.body : state.body.slice(0, state.written);
			const refusal = this.host.publish(this.target, this.header, body);
			this.#state = this.#end(refusal === undefined ? STORED : refused(refusal));
		}
		return this.commit();
	}

	abort(): void {
		if (this.#state.kind === "done") return;
		this.#state = this.#end(refused("aborted"));
	}

	#end(state: State & { kind: "done" }): State & { kind: "done" } {
		abandoned.unregister(this);
		this.host.endWrite(this.target);
		this.host.returnBuffer(this.#claimed.bytes);
		this.#claimed.bytes = 0;
		return state;
	}
}

const EMPTY = new Uint8Array(0);
/** A write without a size hint starts with this much room. */
const INITIAL_BYTES = 256 * 1024;
const STORED: State & { kind: "done" } = { kind: "done", result: Object.freeze({ stored: true }) };

function refused(reason: WriteRefusal): State & { kind: "done" } {
	return { kind: "done", result: { stored: false, reason } };
}
