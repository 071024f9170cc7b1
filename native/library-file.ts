/**
 * Where dlopen can find libslab.so. In a development run the import gives a real path.
 * In a compiled POP binary (`bun build --compile`) the library is embedded and its path is
 * in Bun's virtual FS (/$bunfs/...), which the dynamic loader cannot open: it is copied to
 * a fresh private directory (mode 0700, from mkdtemp), opened, and removed at once: the
 * mapping outlives the file, and nothing is left in the temp dir, even after a crash.
 * (Bun can open an embedded library by itself, but leaves its copy behind in /tmp.)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const EMBEDDED_PREFIX = "/$bunfs/";

export class LibraryLoadError extends Error {
	override name = "LibraryLoadError";
}

export function isEmbedded(path: string): boolean {
	return path.startsWith(EMBEDDED_PREFIX);
}

/** Calls `open` with a path the loader can read; temp copies are gone when it returns. */
export function withLoadablePath<T>(
	path: string,
	open: (loadable: string) => T,
	tempRoot: string = tmpdir(),
): T {
	if (!isEmbedded(path)) return open(path);
	let dir: string;
	try {
		dir = mkdtempSync(join(tempRoot, "neurocache-slab-"));
	} catch (cause) {
		throw new LibraryLoadError(`cannot make a private temp dir under ${tempRoot}`, { cause });
	}
	try {
		const copy = join(dir, "libslab.so");
		// Read and write, not copyFile: the copy_file_range path does not see Bun's virtual FS.
		writeFileSync(copy, readFileSync(path), { mode: 0o500 });
		return open(copy);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}
