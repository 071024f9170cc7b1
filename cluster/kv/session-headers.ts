/**
 * A write's client session from its HTTP headers (Neuro-Client-Id, Neuro-Client-Seq; see
 * http-api.ts): both or neither. Neither: no session (SESSIONLESS_SEQ, under a fresh client
 * id that only names the entry), so the write is applied as sent, a retry of it would be a
 * second write, and it takes no place in the bounded session table.
 */
import * as v from "valibot";
import { SESSIONLESS_SEQ } from "../state/session-table.ts";
import { CLIENT_ID_HEADER, CLIENT_SEQ_HEADER } from "./http-api.ts";

/** Both fit a JavaScript number exactly and the store's command schema (positive). */
const PositiveWhole = v.pipe(
	v.string(),
	v.regex(/^[1-9]\d{0,14}$/, "must be a positive whole number below 10^15"),
	v.transform(Number),
);

/** The headers that carry a write's session. */
export function sessionHeaders(client: number, seq: number): Record<string, string> {
	return { [CLIENT_ID_HEADER]: String(client), [CLIENT_SEQ_HEADER]: String(seq) };
}

export type Session =
	| { readonly ok: true; readonly client: number; readonly seq: number }
	| { readonly ok: false; readonly message: string };

export function parseSession(
	clientHeader: string | null,
	seqHeader: string | null,
	freshClient: () => number,
): Session {
	if (clientHeader === null && seqHeader === null)
		return { ok: true, client: freshClient(), seq: SESSIONLESS_SEQ };
	if (clientHeader === null || seqHeader === null)
		return { ok: false, message: `${CLIENT_ID_HEADER} and ${CLIENT_SEQ_HEADER} go together` };
	const client = v.safeParse(PositiveWhole, clientHeader);
	if (!client.success)
		return { ok: false, message: `${CLIENT_ID_HEADER}: ${client.issues[0].message}` };
	const seq = v.safeParse(PositiveWhole, seqHeader);
	if (!seq.success) return { ok: false, message: `${CLIENT_SEQ_HEADER}: ${seq.issues[0].message}` };
	return { ok: true, client: client.output, seq: seq.output };
}
