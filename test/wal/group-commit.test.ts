import { describe, expect, test } from "bun:test";
import { WalFailedError } from "../../cluster/wal/errors.ts";
import { GroupCommit } from "../../cluster/wal/group-commit.ts";

/** A flush the test completes by hand, recording what each flush carried. */
function manualFlush() {
	const batches: string[][] = [];
	const releases: ((error?: Error) => void)[] = [];
	const flush = (items: readonly string[]) =>
		new Promise<void>((resolve, reject) => {
			batches.push([...items]);
			releases.push((error) => (error ? reject(error) : resolve()));
		});
	return { batches, releases, flush };
}

/** Lets queued promise callbacks run. */
async function settle(): Promise<void> {
	for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe("GroupCommit", () => {
	test("saves made in one tick go out in one flush", async () => {
		const { batches, releases, flush } = manualFlush();
		const commit = new GroupCommit(flush);
		const done = ["a", "b", "c"].map((item) => commit.submit(item));
		await settle();
		expect(batches).toEqual([["a", "b", "c"]]);
		releases[0]?.();
		await Promise.all(done);
		expect(commit.flushes).toBe(1);
	});

	test("saves made during a flush wait for it and share the next one", async () => {
		const { batches, releases, flush } = manualFlush();
		const commit = new GroupCommit(flush);
		const order: string[] = [];
		const a = commit.submit("a").then(() => order.push("a"));
		await settle();
		const b = commit.submit("b").then(() => order.push("b"));
		const c = commit.submit("c").then(() => order.push("c"));
		await settle();
		expect(batches).toEqual([["a"]]);
		expect(order).toEqual([]);
		releases[0]?.();
		await a;
		await settle();
		expect(batches).toEqual([["a"], ["b", "c"]]);
		expect(order).toEqual(["a"]);
		releases[1]?.();
		await Promise.all([b, c]);
		expect(order).toEqual(["a", "b", "c"]);
	});

	test("nothing resolves before its flush does", async () => {
		const { releases, flush } = manualFlush();
		const commit = new GroupCommit(flush);
		let resolved = false;
		const a = commit.submit("a").then(() => {
			resolved = true;
		});
		await settle();
		expect(resolved).toBe(false);
		releases[0]?.();
		await a;
		expect(resolved).toBe(true);
	});

	test("a failed flush rejects its saves, the queued ones and every later one", async () => {
		const { batches, releases, flush } = manualFlush();
		const commit = new GroupCommit(flush);
		const a = commit.submit("a").catch((error: unknown) => error);
		await settle();
		const b = commit.submit("b").catch((error: unknown) => error);
		releases[0]?.(new Error("EIO"));
		expect(await a).toBeInstanceOf(WalFailedError);
		expect(await b).toBeInstanceOf(WalFailedError);
		expect(await b).toBe(await a);
		await expect(commit.submit("c")).rejects.toThrow("EIO");
		expect(batches).toEqual([["a"]]);
		expect(commit.failed?.cause).toBeInstanceOf(Error);
	});

	test("idle waits for everything submitted", async () => {
		const { releases, flush } = manualFlush();
		const commit = new GroupCommit(flush);
		void commit.submit("a");
		let idle = false;
		const waiting = commit.idle().then(() => {
			idle = true;
		});
		await settle();
		expect(idle).toBe(false);
		releases[0]?.();
		await waiting;
		expect(idle).toBe(true);
	});
});
