/**
 * What every route of the control plane's API (http-app.ts and the route files beside it)
 * answers alike: NotLeader naming the leader's API address, a 400 for bad input, the write
 * session from the headers, and a 409 when that session expired or the seq is stale.
 */
import type { NodeId } from "../raft/messages.ts";
import type { EntryTooLarge } from "../raft-node/proposal-waiters.ts";
import type { Session } from "./session-headers.ts";

export interface RouteHelpers {
	/** 503 NotLeader, naming the leader's API address when known. */
	notLeader(leader: NodeId): Response;
	/** 400: the request is malformed; nothing was proposed. */
	refuse(message: string): Response;
	/** 409: the cluster took the request and refused it (`reason` says which rule). */
	conflict(reason: string, message: string): Response;
	/** The write's session (Neuro-Client-Id / Neuro-Client-Seq), or why the headers are bad. */
	sessionOf(headers: Headers): Session;
	/**
	 * 409 session-expired: the machine no longer knows the write's client (its session
	 * expired, state/session-table.ts) and applied nothing.
	 */
	sessionExpired(): Response;
	/**
	 * 409 stale-seq: the write's session already applied a later seq, so the machine ignored
	 * this one.
	 */
	staleSeq(): Response;
	/** 413 too-large: the write's log entry would exceed the cluster's bound; nothing proposed. */
	tooLarge(answer: EntryTooLarge): Response;
}

/** The 413 answer to a write whose entry the member would not log. */
export function entryTooLarge({ chars, max }: EntryTooLarge): Response {
	const message =
		`the write's log entry would be ${chars} characters (its value JSON-encoded, with its ` +
		`key and session), above the cluster's ${max}; nothing was written`;
	return Response.json({ error: "too-large", message }, { status: 413 });
}
