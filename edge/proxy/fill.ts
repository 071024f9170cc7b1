/**
 * Streams an origin body to the client while writing it into a cache tier. The client gets
 * bytes as the origin sends them; the tier's copy becomes visible only when the body ended
 * cleanly. An origin that fails mid-body fails the client's stream too (the client sees a
 * broken response, never a truncated 200) and leaves nothing stored. A client that goes
 * away does not stop the fill: requests coalesced behind this one are waiting for it. A
 * body the tier refuses (over its byte gate) stops being read for the tier at once.
 */
import type { CommitResult, ObjectWriter } from "../store/storage.ts";

export interface Fill {
	/** The body to send to the client. */
	readonly clientBody: ReadableStream<Uint8Array>;
	/** Settles when the tier's side is done: stored, or why not. Never rejects. */
	readonly stored: Promise<CommitResult>;
}

export function fillWhileStreaming(
	originBody: ReadableStream<Uint8Array>,
	writer: ObjectWriter,
): Fill {
	const [clientBody, storeBranch] = originBody.tee();
	return { clientBody, stored: drainInto(storeBranch, writer) };
}

async function drainInto(
	body: ReadableStream<Uint8Array>,
	writer: ObjectWriter,
): Promise<CommitResult> {
	const reader = body.getReader();
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) return writer.commit();
			writer.write(value);
			const refused = writer.refused;
			if (refused !== undefined) {
				// Stop buffering for the tier; the client's branch keeps streaming on its own.
				// Not awaited: a tee branch's cancel settles only once the other branch is done.
				reader.cancel(`not stored: ${refused}`).catch(() => {});
				return { stored: false, reason: refused };
			}
		}
	} catch {
		writer.abort();
		return { stored: false, reason: "aborted" };
	} finally {
		reader.releaseLock();
	}
}
