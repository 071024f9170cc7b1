/**
 * Streams an origin body to the client while writing it into a cache tier. The client gets
 * bytes as the origin sends them; the tier's copy becomes visible only when the body ended
 * cleanly. An origin that fails mid-body fails the client's stream too (the client sees a
 * broken response, never a truncated 200) and leaves nothing stored. A client that goes
 * away does not stop the fill: requests coalesced behind this one are waiting for it. A
 * body the tier refuses (over its byte gate) stops being read for the tier at once, unless
 * a watcher follows the whole body (FillWatch.follows: requests following the fill).
 */
import type { CommitResult, ObjectWriter } from "../store/storage.ts";

/** Who else sees the tier's branch of a fill: the lock's writer, its followers. */
export interface FillWatch {
	/**
	 * Each chunk, as the tier gets it (and after the tier refused, when `follows`). To a
	 * watcher that follows, `heldSoFar` is the tier's copy of the body up to this chunk
	 * when its writer keeps one that may be read (ObjectWriter.bodySoFar).
	 */
	chunk(chunk: Uint8Array, heldSoFar?: Uint8Array): void;
	/** The body ended cleanly. */
	end(): void;
	/** The body broke off. */
	fail(reason: string): void;
	/** It needs the body to its end even when the tier refuses it. */
	readonly follows: boolean;
}

export interface Fill {
	/** The body to send to the client. */
	readonly clientBody: ReadableStream<Uint8Array>;
	/** Settles when the tier's side is done: stored, or why not. Never rejects. */
	readonly stored: Promise<CommitResult>;
}

export function fillWhileStreaming(
	originBody: ReadableStream<Uint8Array>,
	writer: ObjectWriter,
	watch?: FillWatch,
): Fill {
	const [clientBody, storeBranch] = originBody.tee();
	return { clientBody, stored: drainInto(storeBranch, writer, watch) };
}

/** The part of a stream's reader that reading on needs. */
interface BodyReader {
	read(): Promise<
		{ done: true; value?: Uint8Array | undefined } | { done: false; value: Uint8Array }
	>;
	releaseLock(): void;
}

async function drainInto(
	body: ReadableStream<Uint8Array>,
	writer: ObjectWriter,
	watch: FillWatch | undefined,
): Promise<CommitResult> {
	const reader = body.getReader();
	let releasing = true;
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) {
				watch?.end();
				return writer.commit();
			}
			writer.write(value);
			const refused = writer.refused;
			if (watch !== undefined) {
				// A refused writer holds no body (bodySoFar answers undefined).
				watch.chunk(value, watch.follows ? writer.bodySoFar?.() : undefined);
			}
			if (refused !== undefined) {
				if (watch?.follows === true) {
					// Followers need the rest; the tier's answer is known now, not at the end.
					releasing = false;
					void readOnFor(reader, watch);
				} else {
					// Stop buffering for the tier; the client's branch keeps streaming on its own.
					// Not awaited: a tee branch's cancel settles only once the other branch is done.
					reader.cancel(`not stored: ${refused}`).catch(() => {});
				}
				return { stored: false, reason: refused };
			}
		}
	} catch (error) {
		writer.abort();
		watch?.fail(String(error));
		return { stored: false, reason: "aborted" };
	} finally {
		if (releasing) reader.releaseLock();
	}
}

/** The rest of a body the tier refused, for the watcher alone. */
async function readOnFor(reader: BodyReader, watch: FillWatch): Promise<void> {
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) return watch.end();
			watch.chunk(value);
		}
	} catch (error) {
		watch.fail(String(error));
	} finally {
		reader.releaseLock();
	}
}
