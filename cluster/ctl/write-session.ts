/**
 * The session neuroctl's one write carries. A member registers it through the log (POST
 * /v1/sessions), so a retry after that session expired is refused, never applied twice.
 * A member that predates registration has no such route: its 404 (Hono's own, with no
 * `error` field) is answered with an id of the client's choosing, which members of every
 * version take at seq 1 — the way neuroctl wrote before registration existed. Any other
 * refusal stands.
 */
import { randomClientId } from "../state/random-client-id.ts";
import { type CtlClient, CtlError } from "./client.ts";

export async function writeSessionId(client: Pick<CtlClient, "registerSession">): Promise<number> {
	try {
		return await client.registerSession();
	} catch (error) {
		if (predatesRegistration(error)) return randomClientId();
		throw error;
	}
}

function predatesRegistration(error: unknown): boolean {
	return error instanceof CtlError && error.status === 404 && error.reason === undefined;
}
