/**
 * The few durable file operations the log needs, over node:fs. A file becomes visible under
 * its final name only once its bytes are on disk: written to `name.tmp`, fsynced, renamed,
 * and the directory fsynced so the rename itself survives a crash.
 */
import { type FileHandle, mkdir, open, rename } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { TMP_SUFFIX } from "./file-names.ts";

/** Makes creations, renames and removals in `dir` durable. */
export async function fsyncDir(dir: string): Promise<void> {
	const handle = await open(dir, "r");
	try {
		await handle.sync();
	} finally {
		await handle.close();
	}
}

/**
 * Creates `dir` and any missing parents, durably: a directory created but not yet recorded
 * in its parent could vanish in a crash, and every acknowledged save with it.
 */
export async function mkdirDurably(dir: string): Promise<void> {
	const first = await mkdir(dir, { recursive: true });
	if (first === undefined) return;
	// Each created directory's parent, from the deepest up to the one that already existed.
	let created = resolve(dir);
	const top = resolve(first);
	for (;;) {
		await fsyncDir(dirname(created));
		if (created === top) break;
		created = dirname(created);
	}
}

/** Writes all of `bytes` at `position`, however many calls the kernel needs. */
export async function writeFully(
	handle: FileHandle,
	bytes: Uint8Array,
	position: number,
): Promise<void> {
	let done = 0;
	while (done < bytes.byteLength) {
		const { bytesWritten } = await handle.write(
			bytes,
			done,
			bytes.byteLength - done,
			position + done,
		);
		if (bytesWritten <= 0) throw new Error(`write made no progress at offset ${position + done}`);
		done += bytesWritten;
	}
}

/** Creates `dir/name` holding `bytes`, durably, replacing nothing half-written. */
export async function writeFileDurably(
	dir: string,
	name: string,
	bytes: Uint8Array,
): Promise<void> {
	const tmp = join(dir, name + TMP_SUFFIX);
	const handle = await open(tmp, "w");
	try {
		await writeFully(handle, bytes, 0);
		await handle.sync();
	} finally {
		await handle.close();
	}
	await rename(tmp, join(dir, name));
	await fsyncDir(dir);
}
