/**
 * The origin's response body as the proxy passes it on, with what the fetch itself lacks:
 *
 * - An idle timeout between chunks, like nginx's proxy_read_timeout: a body that keeps
 *   coming may take as long as it needs in all (a large download, a stream), one that
 *   sends nothing for `idleMs` while we wait for it is cut. The clock runs only while a
 *   read is waiting on the origin, never while the client is slow to take what we have.
 * - A failure (idle, a reset, broken chunked framing) is reported once to `onFailure`, which
 *   logs it, and errors the stream with `failureReason`, not the fetch's error: the client's
 *   response fails (its connection is reset, never a truncated body passed off as complete)
 *   and a fill stores nothing (fill.ts); body-failure-reason.ts says why the reason matters.
 */
import type { TimerHandle, Timers } from "../lock/timers.ts";

export type BodyFailure =
	| { readonly kind: "idle"; readonly bytes: number }
	| { readonly kind: "error"; readonly error: unknown; readonly bytes: number };

export interface BodyGuard {
	readonly idleMs: number;
	readonly timers: Timers;
	/** Stops the origin call (its connection): the body will not be read to its end. */
	readonly abort: (reason: unknown) => void;
	/** What the stream errors with when the body fails (bodyFailureReason() in production). */
	readonly failureReason: () => unknown;
	/** Called once if the body fails; not on a clean end, nor when the reader cancels. */
	readonly onFailure: (failure: BodyFailure) => void;
}

export function guardOriginBody(
	body: ReadableStream<Uint8Array>,
	guard: BodyGuard,
): ReadableStream<Uint8Array> {
	const reader = body.getReader();
	let bytes = 0;
	/** Cancelled by its reader or failed: nothing more may be enqueued or reported. */
	let over = false;
	const fail = (controller: ReadableStreamDefaultController<Uint8Array>, failure: BodyFailure) => {
		over = true;
		guard.onFailure(failure);
		controller.error(guard.failureReason());
	};
	return new ReadableStream<Uint8Array>({
		async pull(controller) {
			let timer: TimerHandle | undefined;
			const idle = new Promise<"idle">((resolve) => {
				timer = guard.timers.after(guard.idleMs, () => resolve("idle"));
			});
			let next: Awaited<ReturnType<typeof reader.read>> | "idle";
			try {
				next = await Promise.race([reader.read(), idle]);
			} catch (error) {
				if (!over) fail(controller, { kind: "error", error, bytes });
				return;
			} finally {
				timer?.cancel();
			}
			if (over) return;
			if (next === "idle") {
				const reason = new DOMException(`origin body idle for ${guard.idleMs} ms`, "TimeoutError");
				fail(controller, { kind: "idle", bytes });
				// The pending read settles once the call is aborted; its outcome no longer matters.
				guard.abort(reason);
				reader.cancel(reason).catch(() => {});
				return;
			}
			if (next.done) {
				over = true;
				controller.close();
				return;
			}
			bytes += next.value.byteLength;
			controller.enqueue(next.value);
		},
		cancel(reason) {
			over = true;
			return reader.cancel(reason);
		},
	});
}
