import { describe, expect, test } from "bun:test";
import { WriteBuffer } from "../../cluster/transport/write-buffer.ts";

/** A socket that takes at most `room` bytes per write; -1 once closed. */
function fakeSocket(room: number) {
	const socket = {
		room,
		closed: false,
		taken: [] as number[],
		write(data: Uint8Array): number {
			if (socket.closed) return -1;
			const n = Math.min(socket.room, data.byteLength);
			socket.taken.push(...data.subarray(0, n));
			return n;
		},
	};
	return socket;
}

describe("WriteBuffer", () => {
	test("keeps what the socket did not take and sends it first on drain, in order", () => {
		const socket = fakeSocket(3);
		const out = new WriteBuffer();
		expect(out.write(socket, new Uint8Array([1, 2]))).toBe("written");
		expect(out.write(socket, new Uint8Array([3, 4, 5, 6]))).toBe("buffered");
		expect(out.pendingBytes).toBe(1);
		// Nothing is written past pending bytes, even if the socket has room now.
		expect(out.write(socket, new Uint8Array([7]))).toBe("buffered");
		expect(socket.taken).toEqual([1, 2, 3, 4, 5]);
		expect(out.flush(socket)).toBe(true);
		expect(socket.taken).toEqual([1, 2, 3, 4, 5, 6, 7]);
		expect(out.pendingBytes).toBe(0);
	});

	test("a drain that takes only part keeps the rest", () => {
		const socket = fakeSocket(0);
		const out = new WriteBuffer();
		out.write(socket, new Uint8Array([1, 2, 3]));
		out.write(socket, new Uint8Array([4, 5]));
		socket.room = 2;
		out.flush(socket);
		expect(out.pendingBytes).toBe(3);
		socket.room = 10;
		out.flush(socket);
		expect(socket.taken).toEqual([1, 2, 3, 4, 5]);
	});

	test("a closed socket is reported, not retried", () => {
		const socket = fakeSocket(1);
		const out = new WriteBuffer();
		socket.closed = true;
		expect(out.write(socket, new Uint8Array([1]))).toBe("closed");
		socket.closed = false;
		out.write(socket, new Uint8Array([1, 2]));
		socket.closed = true;
		expect(out.flush(socket)).toBe(false);
	});
});
