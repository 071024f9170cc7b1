/**
 * One host's step of a rollout, over a HostDriver that does the I/O (a local directory and
 * processes, or the same over ssh). The order is what makes it safe:
 *
 *   stage the new binary beside the old -> swap by rename -> start the new process while
 *   the old one still serves (both bind the port with SO_REUSEPORT) -> wait until the NEW
 *   process (told apart by its pid) answers its health check with the expected build ->
 *   only then SIGTERM the old one, which drains its in-flight requests.
 *
 * A new process that does not become healthy, or reports another build, is stopped and the
 * previous binary renamed back: the old process never stopped serving. Pure orchestration,
 * so it is tested with a scripted driver.
 */

export interface Health {
	readonly pid: number;
	readonly build: string;
}

export interface HostDriver {
	/** Copies the new binary into the host's directory beside the current one. */
	stage(): Promise<void>;
	/** Keeps the current binary as the previous one and renames the staged one into place. */
	swap(): Promise<void>;
	/** Puts the previous binary back in place (after a failed start). */
	restore(): Promise<void>;
	/** The pid serving now, if any (from the host's pid file). */
	runningPid(): Promise<number | undefined>;
	/** Starts the binary in place; resolves to its pid. The running one keeps serving. */
	start(): Promise<number>;
	/**
	 * Polls the health check until the process `pid` answers ok (answers from another pid
	 * on the shared port are skipped), it exits, or the deadline passes.
	 */
	awaitHealthy(pid: number, timeoutMs: number): Promise<Health | { readonly failed: string }>;
	/** SIGTERM, then waits for the exit (the process drains in-flight requests first). */
	stop(pid: number): Promise<void>;
	/** Records which pid now serves (the pid file). */
	recordPid(pid: number): Promise<void>;
}

export type HostOutcome =
	| { readonly ok: true; readonly pid: number }
	| { readonly ok: false; readonly reason: string; readonly rolledBack: boolean };

export async function rolloutHost(
	driver: HostDriver,
	expectedBuild: string,
	healthTimeoutMs: number,
	log: (line: string) => void,
): Promise<HostOutcome> {
	const oldPid = await driver.runningPid();
	await driver.stage();
	await driver.swap();
	log(
		`swapped in the new binary; starting it beside ${oldPid === undefined ? "nothing" : `pid ${oldPid}`}`,
	);
	let newPid: number;
	try {
		newPid = await driver.start();
	} catch (error) {
		await driver.restore();
		return { ok: false, reason: `did not start: ${(error as Error).message}`, rolledBack: true };
	}
	const health = await driver.awaitHealthy(newPid, healthTimeoutMs);
	const failure =
		"failed" in health
			? health.failed
			: health.build !== expectedBuild
				? `reports build "${health.build}", expected "${expectedBuild}"`
				: undefined;
	if (failure !== undefined) {
		log(`new pid ${newPid} failed: ${failure}; rolling back`);
		await driver.stop(newPid);
		await driver.restore();
		return { ok: false, reason: failure, rolledBack: true };
	}
	log(`new pid ${newPid} is healthy (${expectedBuild})`);
	if (oldPid !== undefined) {
		await driver.stop(oldPid);
		log(`old pid ${oldPid} drained and stopped`);
	}
	await driver.recordPid(newPid);
	return { ok: true, pid: newPid };
}
