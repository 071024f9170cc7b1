import { afterEach, describe, expect, test } from "bun:test";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { logName } from "../../cluster/crdt/log-files.ts";
import { PersistentStore } from "../../cluster/crdt/persistence.ts";
import { WalCorruptError } from "../../cluster/wal/errors.ts";
import { ManualTimers } from "../../edge/lock/timers.ts";

const dirs: string[] = [];
afterEach(async () => {
	for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function freshDir(): Promise<string> {
	const dir = await mkdtemp(join(tmpdir(), "crdt-log-"));
	dirs.push(dir);
	return dir;
}

function quiet() {
	const lines: string[] = [];
	return { lines, log: (level: string, message: string) => lines.push(`${level} ${message}`) };
}

function open(dir: string, log = quiet().log) {
	return PersistentStore.open({ dir, node: 7, flushEveryMs: 0, clock: () => 1_000, log });
}

/** Closes without the final flush: what a crash leaves (the lock file goes, as a dead pid's would). */
async function crash(p: PersistentStore): Promise<void> {
	await (p as unknown as { handle?: { close(): Promise<void> } }).handle?.close();
	await (p as unknown as { lock: { release(): Promise<void> } }).lock.release();
}

describe("persistence", () => {
	test("flushed operations survive a reopen, under a new replica id", async () => {
		const dir = await freshDir();
		const first = await open(dir);
		expect(first.store.replica).toBe("n7.1");
		first.store.incr("hits", 5);
		first.store.set("ttl", 30);
		first.store.add("pops", "ams");
		await first.flush();
		first.store.incr("hits", 1); // never flushed: lost in the crash
		await crash(first);

		const second = await open(dir);
		expect(second.store.replica).toBe("n7.2");
		expect(second.store.count("hits")).toBe(5);
		expect(second.store.get("ttl")).toEqual({ kind: "lww", value: 30 });
		expect(second.store.get("pops")).toEqual({ kind: "orset", value: ["ams"] });
		second.store.incr("hits", 2);
		await second.close();
		const third = await open(dir);
		expect(third.store.count("hits")).toBe(7);
		await third.close();
	});

	test("snapshot, more operations, recover: snapshot plus replayed log", async () => {
		const dir = await freshDir();
		const p = await open(dir);
		for (let i = 0; i < 100; i++) p.store.incr(`k${i % 3}`);
		await p.flush();
		await p.snapshot();
		p.store.incr("k0", 10);
		p.store.decr("k1", 4);
		await p.flush();
		await crash(p);
		const files = (await readdir(dir)).filter((n) => n !== "LOCK").sort();
		expect(files).toEqual(["crdt-0000000000000002.log", "crdt-0000000000000002.snap"]);
		const again = await open(dir);
		expect(again.recovery.records).toBe(1);
		expect(again.store.count("k0")).toBe(34 + 10);
		expect(again.store.count("k1")).toBe(33 - 4);
		expect(again.store.count("k2")).toBe(33);
		await again.close();
	});

	test("a crash at every byte of the last record: the tail is cut with a warning, the rest kept", async () => {
		const dir = await freshDir();
		const p = await open(dir);
		p.store.incr("a", 3);
		await p.flush();
		const logPath = join(dir, logName(1));
		const before = (await readFile(logPath)).byteLength;
		p.store.incr("a", 4);
		await p.flush();
		await crash(p);
		const whole = new Uint8Array(await readFile(logPath));
		for (let cut = before; cut < whole.byteLength; cut++) {
			const trial = await freshDir();
			for (const name of await readdir(dir)) {
				if (name === "LOCK") continue;
				const bytes = await readFile(join(dir, name));
				await writeFile(join(trial, name), name === logName(1) ? whole.subarray(0, cut) : bytes);
			}
			const { lines, log } = quiet();
			const r = await open(trial, log);
			expect(r.store.count("a")).toBe(3);
			expect(r.recovery.tornBytes).toBe(cut - before);
			if (cut > before) expect(lines.some((l) => l.startsWith("WARN torn tail"))).toBe(true);
			await r.close();
		}
	});

	test("a corrupt byte in a record before the tail is an error naming the file and offset", async () => {
		const dir = await freshDir();
		const p = await open(dir);
		p.store.incr("a");
		await p.flush();
		p.store.incr("b");
		await p.flush();
		await crash(p);
		const logPath = join(dir, logName(1));
		const bytes = new Uint8Array(await readFile(logPath));
		bytes[32 + 20] = (bytes[32 + 20] as number) ^ 0xff; // inside the first record's payload
		await writeFile(logPath, bytes);
		const error = await open(dir).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(WalCorruptError);
		expect((error as WalCorruptError).file).toBe(logName(1));
		expect((error as WalCorruptError).offset).toBe(32);
		// Nothing was changed: the damaged file is still there for an operator.
		expect(new Uint8Array(await readFile(logPath))).toEqual(bytes);
	});

	test("a damaged snapshot, or a log without one, is an error", async () => {
		const dir = await freshDir();
		const p = await open(dir);
		p.store.incr("a");
		await p.close();
		const snap = join(dir, "crdt-0000000000000001.snap");
		const bytes = new Uint8Array(await readFile(snap));
		bytes[bytes.byteLength - 2] = 0x20;
		await writeFile(snap, bytes);
		await expect(open(dir)).rejects.toThrow("snapshot data checksum mismatch");
		await rm(snap);
		await expect(open(dir)).rejects.toThrow("a log without its snapshot");
	});

	test("a record whose checksums pass but whose states are malformed is an error", async () => {
		const dir = await freshDir();
		const p = await open(dir);
		await crash(p);
		const { encodeLogRecord } = await import("../../cluster/crdt/log-files.ts");
		const bad = encodeLogRecord(1, 1, [{ key: "k", kind: "gcounter", state: { n1: -5 } } as never]);
		const logPath = join(dir, logName(1));
		const head = new Uint8Array(await readFile(logPath));
		await writeFile(logPath, Buffer.concat([head, bad]));
		await expect(open(dir)).rejects.toThrow(WalCorruptError);
	});

	test("the timer flushes without being asked", async () => {
		const dir = await freshDir();
		const timers = new ManualTimers();
		const p = await PersistentStore.open({
			dir,
			node: 1,
			timers,
			flushEveryMs: 10,
			log: quiet().log,
		});
		p.store.incr("a", 9);
		timers.advance(10);
		await (p as unknown as { writer: { idle(): Promise<void> } }).writer.idle();
		await crash(p);
		const r = await open(dir);
		expect(r.store.count("a")).toBe(9);
		await r.close();
	});

	test("a peer's stamp at logical 2^53 - 1 cannot make our next write unreadable on reopen", async () => {
		const dir = await freshDir();
		const first = await open(dir);
		const absurd = { wall: 1_000, logical: Number.MAX_SAFE_INTEGER, replica: "n9" };
		const outcome = first.store.merge("r", { kind: "lww", state: { stamp: absurd, value: "x" } });
		expect(outcome.ok).toBe(false);
		first.store.set("r", "mine");
		await first.close();
		const second = await open(dir);
		expect(second.store.get("r")).toEqual({ kind: "lww", value: "mine" });
		await second.close();
	});
});
