/**
 * Every process the benchmark starts goes through `spawn` here: it is recorded (pid and its
 * start time from /proc, so a reused pid is never mistaken for ours) in the file named by
 * BENCH_GOSSIP_PIDFILE, which scripts/bench-gossip.sh's exit trap reads to stop whatever is
 * still running, and in a list `stopAll` ends on a normal exit or a signal.
 */
import { appendFileSync, readFileSync } from "node:fs";
import type { Subprocess } from "bun";

const running = new Set<Subprocess>();
const closers = new Set<() => Promise<void>>();

function startTime(pid: number): string | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
		// Fields after the command name (which may hold spaces) start at field 3; starttime is 22.
		return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
	} catch {
		return undefined;
	}
}

/** `Bun.spawn`, recording the process (its overloads and types unchanged). */
export const spawn = ((...args: unknown[]) => {
	const proc = Reflect.apply(Bun.spawn, Bun, args) as Subprocess;
	running.add(proc);
	void proc.exited.then(() => running.delete(proc));
	const file = process.env.BENCH_GOSSIP_PIDFILE;
	const started = startTime(proc.pid);
	if (file !== undefined && file !== "" && started !== undefined)
		appendFileSync(file, `${proc.pid} ${started}\n`);
	return proc;
}) as typeof Bun.spawn;

/** Something to run before the processes are killed (a cluster removing its directory). */
export function onStop(close: () => Promise<void>): () => void {
	closers.add(close);
	return () => closers.delete(close);
}

/** SIGTERM to each process still running, SIGKILL after `graceMs`; then the closers. */
export async function stopAll(graceMs = 3000): Promise<void> {
	const procs = [...running];
	for (const p of procs) p.kill("SIGTERM");
	const timer = setTimeout(() => {
		for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
	}, graceMs);
	await Promise.all(procs.map((p) => p.exited));
	clearTimeout(timer);
	for (const close of [...closers]) await close().catch(() => {});
}
