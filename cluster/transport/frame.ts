/**
 * Framing on a byte stream: each frame is a 4-byte big-endian length, then that many
 * payload bytes. Pure: no sockets, so every chunking of a stream can be tested.
 */

/** Bytes in the length prefix. */
export const FRAME_HEADER_BYTES = 4;

/** The largest length a 4-byte prefix can carry. */
export const FRAME_LENGTH_MAX = 0xffff_ffff;

/** Why a stream stopped making sense. The connection that carried it is closed. */
export type FrameError =
	| { readonly kind: "frame-too-large"; readonly length: number; readonly max: number }
	| { readonly kind: "empty-frame" };

export function describeFrameError(error: FrameError): string {
	switch (error.kind) {
		case "frame-too-large":
			return `frame of ${error.length} bytes exceeds the limit of ${error.max}`;
		case "empty-frame":
			return "frame of 0 bytes (every message has a payload)";
	}
}

function checkedMax(maxFrameBytes: number): number {
	if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 1 || maxFrameBytes > FRAME_LENGTH_MAX) {
		throw new RangeError(`maxFrameBytes must be an integer in 1..${FRAME_LENGTH_MAX}`);
	}
	return maxFrameBytes;
}

/** One frame: prefix and payload in one buffer, so a socket gets it in one write. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
	if (payload.byteLength > FRAME_LENGTH_MAX) {
		throw new RangeError(`payload of ${payload.byteLength} bytes cannot be framed`);
	}
	const frame = new Uint8Array(FRAME_HEADER_BYTES + payload.byteLength);
	new DataView(frame.buffer).setUint32(0, payload.byteLength, false);
	frame.set(payload, FRAME_HEADER_BYTES);
	return frame;
}

/**
 * Streaming decoder: feed it chunks as they arrive, at any boundaries. It holds at most one
 * partial frame, and only once its length passed the limit, so a peer can never make it
 * buffer more than `FRAME_HEADER_BYTES + maxFrameBytes`.
 */
export class FrameDecoder {
	#maxFrameBytes: number;
	readonly #header = new Uint8Array(FRAME_HEADER_BYTES);
	#headerFill = 0;
	/** The frame being assembled across chunks, allocated at its exact length. */
	#body: Uint8Array | undefined;
	#bodyFill = 0;
	#failed: FrameError | undefined;

	constructor(maxFrameBytes: number) {
		this.#maxFrameBytes = checkedMax(maxFrameBytes);
	}

	/**
	 * Changes the limit for frames whose length is read from now on. A connection starts
	 * with a small limit for its handshake and raises it once it knows who is talking, so a
	 * stranger cannot make it hold a largest frame. Safe to call from `onFrame`.
	 */
	setMaxFrameBytes(maxFrameBytes: number): void {
		this.#maxFrameBytes = checkedMax(maxFrameBytes);
	}

	/** Bytes held for a frame not yet complete (prefix included). */
	get buffered(): number {
		return this.#headerFill + this.#bodyFill;
	}

	/**
	 * Consumes `chunk`, calling `onFrame` for each complete payload in order. A payload that
	 * lies whole inside `chunk` is a view into it, valid until the caller reuses the chunk:
	 * consume it synchronously. Returns the error that ended the stream, if any; after one,
	 * every later push returns it again and delivers nothing. `onFrame` returns false to stop
	 * at that frame (its connection is closing): the rest of the chunk is not read.
	 */
	push(
		chunk: Uint8Array,
		onFrame: (payload: Uint8Array) => boolean | undefined,
	): FrameError | undefined {
		if (this.#failed !== undefined) return this.#failed;
		let at = 0;
		while (at < chunk.byteLength) {
			if (this.#body === undefined) {
				// Fast path: a whole prefix in this chunk with nothing carried over.
				let length: number;
				// Multiplying the top byte keeps lengths of 2^31 and up positive.
				if (this.#headerFill === 0 && chunk.byteLength - at >= FRAME_HEADER_BYTES) {
					length =
						(chunk[at] as number) * 0x100_0000 +
						(((chunk[at + 1] as number) << 16) |
							((chunk[at + 2] as number) << 8) |
							(chunk[at + 3] as number));
					at += FRAME_HEADER_BYTES;
				} else {
					const take = Math.min(FRAME_HEADER_BYTES - this.#headerFill, chunk.byteLength - at);
					this.#header.set(chunk.subarray(at, at + take), this.#headerFill);
					this.#headerFill += take;
					at += take;
					if (this.#headerFill < FRAME_HEADER_BYTES) break;
					this.#headerFill = 0;
					length = new DataView(this.#header.buffer).getUint32(0, false);
				}
				const error = this.#check(length);
				if (error !== undefined) return this.#fail(error);
				if (chunk.byteLength - at >= length) {
					if (onFrame(chunk.subarray(at, at + length)) === false) return undefined;
					at += length;
					continue;
				}
				this.#body = new Uint8Array(length);
				this.#bodyFill = 0;
			}
			const body = this.#body;
			const take = Math.min(body.byteLength - this.#bodyFill, chunk.byteLength - at);
			body.set(chunk.subarray(at, at + take), this.#bodyFill);
			this.#bodyFill += take;
			at += take;
			if (this.#bodyFill === body.byteLength) {
				this.#body = undefined;
				this.#bodyFill = 0;
				if (onFrame(body) === false) return undefined;
			}
		}
		return undefined;
	}

	#check(length: number): FrameError | undefined {
		if (length === 0) return { kind: "empty-frame" };
		if (length > this.#maxFrameBytes) {
			return { kind: "frame-too-large", length, max: this.#maxFrameBytes };
		}
		return undefined;
	}

	#fail(error: FrameError): FrameError {
		this.#failed = error;
		this.#body = undefined;
		this.#bodyFill = 0;
		this.#headerFill = 0;
		return error;
	}
}
