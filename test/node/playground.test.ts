/**
 * scripts/playground.sh end to end: three members behind an API token, a write without it
 * refused, neuroctl's tour with it, the leader killed and a new one elected, the killed
 * member restarted and caught up; exit 0, and afterwards no process it started is left
 * (neither the pids it named nor anything using its work dir), and its work dir is gone.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runToEnd } from "./node-process.ts";

const SCRIPT = join(new URL("../..", import.meta.url).pathname, "scripts", "playground.sh");

function isRunning(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

/** Pids of processes whose command line mentions `text` (from /proc: Linux only). */
function processesMentioning(text: string): number[] {
	const found: number[] = [];
	for (const name of readdirSync("/proc")) {
		if (!/^\d+$/.test(name)) continue;
		try {
			if (readFileSync(`/proc/${name}/cmdline`, "utf8").includes(text)) found.push(Number(name));
		} catch {
			// It exited while we looked.
		}
	}
	return found;
}

describe("scripts/playground.sh", () => {
	test("runs the tour, exits 0, and leaves nothing it started behind", async () => {
		const run = await runToEnd(["bash", SCRIPT]);
		expect(run.stderr).toContain("[playground] done");
		expect(run.code).toBe(0);
		// The tour's answers: the put, the gets, the compare-and-sets, the new leader.
		expect(run.stdout).toContain("hello\n");
		expect(run.stdout).toContain('compare failed: greeting holds "bonjour"');
		// The members take a token: a write without it was refused, neuroctl's with it taken.
		expect(run.stdout).toContain("HTTP 401: refused without the token");
		expect(run.stderr).toMatch(/member \d leads now \(term \d+\)/);
		expect(run.stderr).toMatch(/member \d caught up: applied (\d+), leader's commit \d+/);

		const pids = [...run.stderr.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
		expect(pids.length).toBe(4);
		for (const pid of pids)
			expect({ pid, running: isRunning(pid) }).toEqual({ pid, running: false });
		const work = /work dir (\S+)/.exec(run.stderr)?.[1] as string;
		expect(processesMentioning(work)).toEqual([]);
		expect(existsSync(work)).toBe(false);
	}, 60_000);

	test("SIGTERM part-way: exit 143, and still nothing it started is left", async () => {
		const proc = Bun.spawn(["bash", SCRIPT], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
		let stderr = "";
		const decoder = new TextDecoder();
		const reader = proc.stderr.getReader();
		const readSome = async () => {
			const { value, done } = await reader.read();
			if (value !== undefined) stderr += decoder.decode(value, { stream: true });
			return !done;
		};
		while (!/member \d leads \(term/.test(stderr)) {
			if (!(await readSome())) throw new Error(`ended before a leader:\n${stderr}`);
		}
		proc.kill("SIGTERM");
		while (await readSome()) {}
		expect(await proc.exited).toBe(143);
		expect(stderr).toContain("stopped everything it started");
		const pids = [...stderr.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
		expect(pids.length).toBe(3);
		for (const pid of pids)
			expect({ pid, running: isRunning(pid) }).toEqual({ pid, running: false });
		const work = /work dir (\S+)/.exec(stderr)?.[1] as string;
		expect(processesMentioning(work)).toEqual([]);
		expect(existsSync(work)).toBe(false);
	}, 60_000);
});
