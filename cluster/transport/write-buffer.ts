/**
 * Writes to a socket that may take fewer bytes than offered. Bun's `socket.write` is
 * unbuffered: it returns how many bytes the kernel took, and the rest is ours to keep and
 * offer again on `drain`. Bytes queue in order; nothing is written past bytes still
 * pending, or frames would interleave.
 */

/** The part of a Bun socket this needs, so tests can hand it a fake one. */
export interface WritableSocket {
	write(data: Uint8Array): number;
}

export type WriteOutcome = "written" | "buffered" | "closed";

export class WriteBuffer {
	#pending: Uint8Array[] = [];
	#pendingBytes = 0;

	/** Bytes offered but not yet taken by the socket. */
	get pendingBytes(): number {
		return this.#pendingBytes;
	}

	/** Writes `bytes` now if nothing is pending, keeping what the socket did not take. */
	write(socket: WritableSocket, bytes: Uint8Array): WriteOutcome {
		if (this.#pendingBytes > 0) {
			this.#keep(bytes);
			return "buffered";
		}
		const taken = socket.write(bytes);
		if (taken < 0) return "closed";
		if (taken < bytes.byteLength) {
			this.#keep(bytes.subarray(taken));
			return "buffered";
		}
		return "written";
	}

	/**
	 * On drain: offers pending bytes, as one buffer, until the socket takes less than
	 * offered. Returns false if the socket is closed.
	 */
	flush(socket: WritableSocket): boolean {
		if (this.#pendingBytes === 0) return true;
		const all = this.#pending.length === 1 ? (this.#pending[0] as Uint8Array) : this.#joined();
		const taken = socket.write(all);
		if (taken < 0) return false;
		this.#pending = taken < all.byteLength ? [all.subarray(taken)] : [];
		this.#pendingBytes = all.byteLength - Math.max(0, taken);
		return true;
	}

	clear(): void {
		this.#pending = [];
		this.#pendingBytes = 0;
	}

	#keep(bytes: Uint8Array): void {
		this.#pending.push(bytes);
		this.#pendingBytes += bytes.byteLength;
	}

	#joined(): Uint8Array {
		const all = new Uint8Array(this.#pendingBytes);
		let at = 0;
		for (const part of this.#pending) {
			all.set(part, at);
			at += part.byteLength;
		}
		return all;
	}
}
