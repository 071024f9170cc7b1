/**
 * A real host reached with ssh: the same steps as LocalDriver, as shell commands run on
 * the host (POSIX sh, coreutils, curl). The binary is staged with scp.
 */
import type { Health, HostDriver } from "./host-rollout.ts";

/** Runs a command locally, resolving to its exit code and output (injectable for tests). */
export type Exec = (argv: readonly string[]) => Promise<{ code: number; stdout: string }>;

export const spawnExec: Exec = async (argv) => {
	const child = Bun.spawn([...argv], { stdout: "pipe", stderr: "inherit" });
	const stdout = await new Response(child.stdout).text();
	return { code: await child.exited, stdout };
};

export interface SshHostSpec {
	readonly address: string;
	readonly dir: string;
	readonly port: number;
	readonly args: readonly string[];
}

/** Quotes one word for a POSIX shell. */
export function shellQuote(word: string): string {
	return `'${word.replaceAll("'", `'\\''`)}'`;
}

export class SshDriver implements HostDriver {
	readonly #bin: string;

	constructor(
		private readonly spec: SshHostSpec,
		private readonly newBinary: string,
		private readonly exec: Exec = spawnExec,
	) {
		this.#bin = `${spec.dir}/neuro-edge`;
	}

	async #remote(script: string): Promise<string> {
		const result = await this.exec(["ssh", "-o", "BatchMode=yes", this.spec.address, script]);
		if (result.code !== 0)
			throw new Error(`ssh ${this.spec.address} failed (${result.code}): ${script}`);
		return result.stdout;
	}

	async stage(): Promise<void> {
		await this.#remote(`mkdir -p ${shellQuote(this.spec.dir)}`);
		const copied = await this.exec([
			"scp",
			"-q",
			"-o",
			"BatchMode=yes",
			this.newBinary,
			`${this.spec.address}:${this.#bin}.new`,
		]);
		if (copied.code !== 0) throw new Error(`scp to ${this.spec.address} failed (${copied.code})`);
		await this.#remote(`chmod 755 ${shellQuote(`${this.#bin}.new`)}`);
	}

	async swap(): Promise<void> {
		const bin = shellQuote(this.#bin);
		await this.#remote(
			`rm -f ${bin}.prev && { ln ${bin} ${bin}.prev 2>/dev/null || true; } && mv -f ${bin}.new ${bin}`,
		);
	}

	async restore(): Promise<void> {
		const bin = shellQuote(this.#bin);
		await this.#remote(
			`if [ -e ${bin}.prev ]; then mv -f ${bin}.prev ${bin}; else rm -f ${bin}; fi`,
		);
	}

	async runningPid(): Promise<number | undefined> {
		const bin = shellQuote(this.#bin);
		const out = await this.#remote(
			`p=$(cat ${bin}.pid 2>/dev/null) && kill -0 "$p" 2>/dev/null && echo "$p" || true`,
		);
		const pid = Number(out.trim());
		return Number.isInteger(pid) && pid > 0 ? pid : undefined;
	}

	async start(): Promise<number> {
		const bin = shellQuote(this.#bin);
		const flags = ["--port", String(this.spec.port), ...this.spec.args].map(shellQuote).join(" ");
		const out = await this.#remote(
			`cd ${shellQuote(this.spec.dir)} && NEURO_TAKEOVER=1 nohup ${bin} ${flags} >>${bin}.log 2>&1 </dev/null & echo $!`,
		);
		const pid = Number(out.trim());
		if (!(Number.isInteger(pid) && pid > 0)) throw new Error(`no pid from ${this.spec.address}`);
		return pid;
	}

	async awaitHealthy(
		pid: number,
		timeoutMs: number,
	): Promise<Health | { readonly failed: string }> {
		// Polled on the host itself: the port may not be reachable from here.
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			const out = await this.#remote(
				`kill -0 ${pid} 2>/dev/null || { echo EXITED; exit 0; }; curl -fsS -H 'connection: close' http://127.0.0.1:${this.spec.port}/_neuro/health || true`,
			);
			if (out.includes("EXITED")) return { failed: "the new process exited before it was healthy" };
			try {
				const body = JSON.parse(out) as { status?: unknown; pid?: unknown; build?: unknown };
				if (body.status === "ok" && body.pid === pid && typeof body.build === "string")
					return { pid, build: body.build };
			} catch {
				// not up yet
			}
			await Bun.sleep(200);
		}
		return { failed: `not healthy within ${timeoutMs} ms` };
	}

	async stop(pid: number): Promise<void> {
		await this.#remote(
			`kill -TERM ${pid} 2>/dev/null; i=0; while kill -0 ${pid} 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; kill -KILL ${pid} 2>/dev/null || true`,
		);
	}

	async recordPid(pid: number): Promise<void> {
		const bin = shellQuote(this.#bin);
		await this.#remote(`echo ${pid} > ${bin}.pid.tmp && mv -f ${bin}.pid.tmp ${bin}.pid`);
	}
}
