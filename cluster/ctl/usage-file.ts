/**
 * A file a neuroctl flag names, read before any request is sent: one that is missing, a
 * directory or unreadable is a UsageError (exit 2) saying so with the flag and the path.
 */
import { readFile } from "node:fs/promises";
import { UsageError } from "./args.ts";

export async function readUsageFile(flag: string, path: string): Promise<string> {
	try {
		return await readFile(path, "utf8");
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		const why =
			code === "ENOENT"
				? "no such file"
				: code === "EISDIR"
					? "is a directory"
					: `cannot be read (${(error as Error).message})`;
		throw new UsageError(`${flag}: ${path}: ${why}`);
	}
}
