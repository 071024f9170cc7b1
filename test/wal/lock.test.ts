import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WalCorruptError, WalDirError, WalLockedError } from "../../cluster/wal/errors.ts";
import { LOCK_NAME } from "../../cluster/wal/lock.ts";
import { Wal } from "../../cluster/wal/wal.ts";
import { LogLines, tempDir } from "./helpers.ts";

const dirs: { cleanup: () => void }[] = [];
afterEach(() => {
	for (const dir of dirs.splice(0)) dir.cleanup();
});

function newDir(): string {
	const dir = tempDir();
	dirs.push(dir);
	return dir.path;
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
	const child = Bun.spawn(["true"]);
	await child.exited;
	return child.pid;
}

describe("one open log per directory", () => {
	test("a second open is refused naming the holder; after close the directory opens again", async () => {
		const dir = newDir();
		const { wal } = await Wal.open(dir, { log: () => {} });
		const error = await Wal.open(dir, { log: () => {} }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(WalLockedError);
		expect(error).toMatchObject({ pid: process.pid, lockFile: join(dir, LOCK_NAME) });
		await wal.close();
		expect(existsSync(join(dir, LOCK_NAME))).toBe(false);
		const again = await Wal.open(dir, { log: () => {} });
		await again.wal.close();
	});

	test("a lock left by a process that is gone is taken over with a WARN", async () => {
		const dir = newDir();
		const pid = await deadPid();
		writeFileSync(join(dir, LOCK_NAME), `${pid}\n`);
		const lines = new LogLines();
		const { wal } = await Wal.open(dir, { log: lines.log });
		expect(lines.at("WARN")).toEqual([
			`taking over ${join(dir, LOCK_NAME)}: its process (${pid}) is gone`,
		]);
		await wal.close();
	});

	test("an unreadable lock (no pid in it) is taken over too", async () => {
		const dir = newDir();
		writeFileSync(join(dir, LOCK_NAME), "");
		const lines = new LogLines();
		const { wal } = await Wal.open(dir, { log: lines.log });
		expect(lines.at("WARN")[0]).toContain("its process (unknown) is gone");
		await wal.close();
	});

	test("a failed recovery leaves no lock behind", async () => {
		const dir = newDir();
		writeFileSync(join(dir, "wal-0000000000000000-0000000000000001.log"), new Uint8Array(0));
		await expect(Wal.open(dir, { log: () => {} })).rejects.toBeInstanceOf(WalCorruptError);
		expect(existsSync(join(dir, LOCK_NAME))).toBe(false);
	});
});

describe("a directory the filesystem refuses", () => {
	test("under a regular file: WalDirError naming the directory, nothing created", async () => {
		const root = newDir();
		const file = join(root, "file");
		writeFileSync(file, "not a directory\n");
		const dir = join(file, "sub");
		const error = await Wal.open(dir, { log: () => {} }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(WalDirError);
		expect(error).toMatchObject({ dir, cause: { code: "ENOTDIR" } });
		expect((error as Error).message).toStartWith(`cannot use ${dir} as the log directory: `);
		expect(readFileSync(file, "utf8")).toBe("not a directory\n");
	});

	test("a file where the directory should be: WalDirError, the file left as it was", async () => {
		const dir = join(newDir(), "node-1");
		writeFileSync(dir, "a file\n");
		const error = await Wal.open(dir, { log: () => {} }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(WalDirError);
		expect(readFileSync(dir, "utf8")).toBe("a file\n");
	});
});
