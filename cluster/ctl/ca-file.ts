/**
 * The certificate authority neuroctl trusts for https endpoints (a cluster file's apiTls):
 * `--ca-file PATH`, else NEURO_CA_FILE, else the system's roots only. The file is read and
 * checked before any request is sent: missing, unreadable or not a PEM certificate is a
 * UsageError (exit 2) naming it.
 */
import { X509Certificate } from "node:crypto";
import { UsageError } from "./args.ts";
import { readUsageFile } from "./usage-file.ts";

export async function resolveCaFile(path: string | undefined): Promise<string | undefined> {
	if (path === undefined) return undefined;
	const text = await readUsageFile("--ca-file", path);
	try {
		new X509Certificate(text);
	} catch {
		throw new UsageError(`--ca-file: ${path}: not a PEM certificate`);
	}
	return text;
}
