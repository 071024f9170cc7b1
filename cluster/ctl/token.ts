/**
 * The API token neuroctl sends as `Authorization: Bearer <token>` (cluster/kv/api-auth.ts),
 * from where the command line said (args.ts: `--token-file PATH`, else NEURO_ADMIN_TOKEN,
 * else none). A file keeps the secret out of the environment and the shell's history.
 * A file that is missing, unreadable or holds no valid token is a UsageError (exit 2),
 * found before any request is sent.
 */
import * as v from "valibot";
import { TokenSchema, type TokenSource, UsageError } from "./args.ts";
import { readUsageFile } from "./usage-file.ts";

/** The token `source` names: a file is read now, its surrounding whitespace dropped. */
export async function resolveToken(source: TokenSource): Promise<string | undefined> {
	if (source.kind === "none") return undefined;
	if (source.kind === "env") return source.token;
	const text = await readUsageFile("--token-file", source.path);
	const parsed = v.safeParse(TokenSchema, text.trim());
	if (!parsed.success)
		throw new UsageError(`--token-file: ${source.path}: the token ${parsed.issues[0].message}`);
	return parsed.output;
}
