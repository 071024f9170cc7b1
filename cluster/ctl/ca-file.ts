/**
 * The certificate authority neuroctl trusts for https endpoints (a cluster file's apiTls):
 * `--ca-file PATH`, else NEURO_CA_FILE, else the system's roots only. The file is read and
 * checked before any request is sent: missing, unreadable or not a PEM certificate is a
 * UsageError (exit 2) naming it.
 */
import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { UsageError } from "./args.ts";

export async function resolveCaFile(path: string | undefined): Promise<string | undefined> {
	if (path === undefined) return undefined;
	let text: string;
	try {
		text = await readFile(path, "utf8");
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		const why =
			code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : "cannot be read";
		throw new UsageError(`--ca-file: ${path}: ${why}`);
	}
	try {
		new X509Certificate(text);
	} catch {
		throw new UsageError(`--ca-file: ${path}: not a PEM certificate`);
	}
	return text;
}
