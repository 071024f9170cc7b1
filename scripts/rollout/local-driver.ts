/**
 * A host on this machine: a directory holding the binary and its pid file, serving on a
 * loopback port. Processes are started detached (they outlive the rollout) with their
 * output appended to a log file in the directory.
 *
 *   DIR/neuro-edge        the binary that serves (replaced by rename, so it always exists)
 *   DIR/neuro-edge.prev   the one before it, for rolling back
 *   DIR/neuro-edge.new    staged, not yet swapped in
 *   DIR/neuro-edge.pid    the pid serving now
 *   DIR/neuro-edge.log    stdout and stderr of every process started here
 */
import { spawn } from "node:child_process";
import {
	chmod,
	copyFile,
	link,
	mkdir,
	open,
	readFile,
	rename,
	rm,
	writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import { awaitHealthyPid } from "./health.ts";
import type { Health, HostDriver } from "./host-rollout.ts";

const BINARY = "neuro-edge";

export interface LocalHostSpec {
	readonly dir: string;
	readonly port: number;
	/** Extra flags for the binary (they override its baked-in POP config). */
	readonly args: readonly string[];
}

export class LocalDriver implements HostDriver {
	readonly #current: string;

	constructor(
		private readonly spec: LocalHostSpec,
		private readonly newBinary: string,
		/** How long a stopped process may take to drain before it is killed. */
		private readonly stopTimeoutMs = 30_000,
	) {
		this.#current = join(spec.dir, BINARY);
	}

	async stage(): Promise<void> {
		await mkdir(this.spec.dir, { recursive: true });
		await copyFile(this.newBinary, `${this.#current}.new`);
		await chmod(`${this.#current}.new`, 0o755);
	}

	async swap(): Promise<void> {
		// Keep what serves now as .prev (a hard link: no moment without a binary in place),
		// then rename the staged one over it: rename is atomic within a directory.
		await rm(`${this.#current}.prev`, { force: true });
		try {
			await link(this.#current, `${this.#current}.prev`);
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
		}
		await rename(`${this.#current}.new`, this.#current);
	}

	async restore(): Promise<void> {
		try {
			await rename(`${this.#current}.prev`, this.#current);
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
			// A first install has nothing to go back to: leave no half-installed binary.
			await rm(this.#current, { force: true });
		}
	}

	async runningPid(): Promise<number | undefined> {
		let text: string;
		try {
			text = await readFile(`${this.#current}.pid`, "utf8");
		} catch {
			return undefined;
		}
		const pid = Number(text.trim());
		return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
	}

	async start(): Promise<number> {
		const log = await open(`${this.#current}.log`, "a");
		try {
			const child = spawn(
				this.#current,
				["--host", "127.0.0.1", "--port", String(this.spec.port), ...this.spec.args],
				{
					cwd: this.spec.dir,
					detached: true,
					stdio: ["ignore", log.fd, log.fd],
					// It binds beside the process it replaces, which drains once it is healthy.
					env: { ...process.env, NEURO_TAKEOVER: "1" },
				},
			);
			const pid = await new Promise<number>((resolve, reject) => {
				child.once("spawn", () => resolve(child.pid as number));
				child.once("error", reject);
			});
			child.unref();
			return pid;
		} finally {
			await log.close();
		}
	}

	awaitHealthy(pid: number, timeoutMs: number): Promise<Health | { readonly failed: string }> {
		return awaitHealthyPid(`http://127.0.0.1:${this.spec.port}`, pid, timeoutMs, () =>
			isAlive(pid),
		);
	}

	async stop(pid: number): Promise<void> {
		if (!isAlive(pid)) return;
		process.kill(pid, "SIGTERM");
		const deadline = Date.now() + this.stopTimeoutMs;
		while (isAlive(pid)) {
			if (Date.now() > deadline) {
				process.kill(pid, "SIGKILL");
				break;
			}
			await Bun.sleep(20); // polling a process's exit: there is no event for a non-child
		}
	}

	async recordPid(pid: number): Promise<void> {
		const temporary = `${this.#current}.pid.tmp`;
		await writeFile(temporary, `${pid}\n`);
		await rename(temporary, `${this.#current}.pid`);
	}
}

/** True while the process exists (and is not a zombie we could still signal). */
export function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}
