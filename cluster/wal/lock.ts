/**
 * One open log per directory. Two writers appending to one segment would interleave records
 * and corrupt it silently, so `Wal.open` takes a lock file (`LOCK`, created exclusively,
 * holding the owner's pid) and `close` removes it. A lock whose process is gone (a crash)
 * is taken over with a WARN. A lock held by a live process, this one included, is refused.
 * The pid check is for one machine; a pid reused by an unrelated process after a crash is
 * refused too, and the message names the file to remove.
 */
import { open, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { WalLockedError } from "./errors.ts";
import type { WalLogger } from "./logger.ts";

export const LOCK_NAME = "LOCK";

export interface DirLock {
	release(): Promise<void>;
}

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		// EPERM: the process exists but belongs to someone else.
		return (error as NodeJS.ErrnoException).code === "EPERM";
	}
}

async function create(path: string): Promise<boolean> {
	try {
		const handle = await open(path, "wx");
		try {
			await handle.writeFile(`${process.pid}\n`);
			await handle.sync();
		} finally {
			await handle.close();
		}
		return true;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
		throw error;
	}
}

function ignoreMissing(error: unknown): void {
	if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
}

export async function lockDir(dir: string, log: WalLogger): Promise<DirLock> {
	const path = join(dir, LOCK_NAME);
	// Two rounds: a stale lock is removed once, then the exclusive create decides.
	for (let round = 0; round < 2; round++) {
		if (await create(path)) {
			// Already gone (removed by hand, or with its directory): nothing left to release.
			return { release: () => unlink(path).catch(ignoreMissing) };
		}
		const text = await readFile(path, "utf8").catch(() => "");
		const pid = Number.parseInt(text, 10);
		if (Number.isSafeInteger(pid) && pid > 0 && alive(pid)) {
			throw new WalLockedError(path, pid);
		}
		if (round === 0) {
			log("WARN", `taking over ${path}: its process (${text.trim() || "unknown"}) is gone`);
			await unlink(path).catch(() => undefined);
		}
	}
	throw new WalLockedError(path, undefined);
}
