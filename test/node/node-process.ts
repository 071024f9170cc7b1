/**
 * Runs node.ts (or a compiled POP binary) as a real process for tests: waits for the
 * "edge on URL" line on stderr (with a deadline), keeps every stderr line, and lets a test
 * wait for a later line or for the exit. No sleeps: every wait is on an event or a deadline.
 */
import type { Subprocess } from "bun";

export const NODE_ENTRY = new URL("../../node.ts", import.meta.url).pathname;

export type NodeProcess = {
	readonly proc: Subprocess<"ignore", "pipe", "pipe">;
	readonly url: string;
	readonly lines: string[];
	/** Resolves with the first stderr line (seen or to come) matching `pattern`. */
	readonly waitForLine: (pattern: RegExp, timeoutMs?: number) => Promise<string>;
	readonly exited: Promise<number>;
	readonly kill: () => void;
};

type Options = {
	readonly env?: Record<string, string | undefined>;
	readonly cwd?: string;
	readonly timeoutMs?: number;
};

/** `command` is the argv before the flags: [bun, node.ts] or [binary] (or a setpriv prefix). */
export async function startNode(
	command: readonly string[],
	args: readonly string[],
	options: Options = {},
): Promise<NodeProcess> {
	const proc = Bun.spawn([...command, ...args], {
		stdin: "ignore",
		stdout: "pipe",
		stderr: "pipe",
		// No token or cluster secret unless the test gives one: the runner's own environment
		// must not decide whether the API and the admin routes take requests, or who may peer.
		env: {
			...process.env,
			NEURO_ORIGIN: undefined,
			NEURO_POP: undefined,
			NEURO_ADMIN_TOKEN: undefined,
			NEURO_CLUSTER_SECRET_FILE: undefined,
			NEURO_TAKEOVER: undefined,
			...options.env,
		},
		...(options.cwd === undefined ? {} : { cwd: options.cwd }),
	});
	const lines: string[] = [];
	const waiters = new Set<() => void>();
	const pump = (async () => {
		const decoder = new TextDecoder();
		let pending = "";
		for await (const chunk of proc.stderr) {
			pending += decoder.decode(chunk, { stream: true });
			const parts = pending.split("\n");
			pending = parts.pop() ?? "";
			lines.push(...parts);
			for (const wake of waiters) wake();
		}
		if (pending !== "") lines.push(pending);
		for (const wake of waiters) wake();
	})();
	// Resolves once stderr is read to its end too, so every line the process wrote is in
	// `lines` when a test checks them after the exit.
	const exited = Promise.all([proc.exited, pump.catch(() => {})]).then(([code]) => code);
	let ended = false;
	void pump.then(() => {
		ended = true;
		for (const wake of waiters) wake();
	});

	const waitForLine = (pattern: RegExp, timeoutMs = options.timeoutMs ?? 10_000) =>
		new Promise<string>((resolve, reject) => {
			const check = () => {
				const found = lines.find((line) => pattern.test(line));
				if (found !== undefined) return done(() => resolve(found));
				if (ended) done(() => reject(new Error(`exited before ${pattern}:\n${lines.join("\n")}`)));
			};
			const timer = setTimeout(
				() =>
					done(() =>
						reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${lines.join("\n")}`)),
					),
				timeoutMs,
			);
			const done = (settle: () => void) => {
				clearTimeout(timer);
				waiters.delete(check);
				settle();
			};
			waiters.add(check);
			check();
		});

	const kill = () => {
		if (proc.exitCode === null) proc.kill("SIGKILL");
	};
	try {
		const line = await waitForLine(/edge on (https?:\/\/\S+)/);
		const url = /edge on (https?:\/\/\S+)/.exec(line)?.[1] ?? "";
		return { proc, url, lines, waitForLine, exited, kill };
	} catch (error) {
		kill();
		throw error;
	}
}

/** Runs a command to its end: exit code, stdout and stderr. */
export async function runToEnd(
	command: readonly string[],
	options: { env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
	const proc = Bun.spawn([...command], {
		stdin: "ignore",
		stdout: "pipe",
		stderr: "pipe",
		env: {
			...process.env,
			NEURO_ORIGIN: undefined,
			NEURO_POP: undefined,
			NEURO_CLUSTER_SECRET_FILE: undefined,
			NEURO_TAKEOVER: undefined,
			...options.env,
		},
		...(options.cwd === undefined ? {} : { cwd: options.cwd }),
	});
	const [stdout, stderr, code] = await Promise.all([
		new Response(proc.stdout).text(),
		new Response(proc.stderr).text(),
		proc.exited,
	]);
	return { code, stdout, stderr };
}

export const CTL_ENTRY = new URL("../../cluster/ctl.ts", import.meta.url).pathname;

/**
 * Runs neuroctl to its end. NEURO_ENDPOINTS is unset, so only `endpoints` (or, instead
 * of them, the `--endpoints` in `args`) count; `timeoutMs` is its `--timeout-ms`; `token` is its
 * NEURO_ADMIN_TOKEN (none unless given).
 */
export function runCtl(
	args: readonly string[],
	options: { endpoints?: readonly string[]; timeoutMs?: number; token?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
	const timeout =
		options.timeoutMs === undefined ? [] : ["--timeout-ms", String(options.timeoutMs)];
	// An `--endpoints` in `args` stands alone: neuroctl refuses a flag given twice.
	const endpoints =
		options.endpoints === undefined || args.includes("--endpoints")
			? []
			: ["--endpoints", options.endpoints.join(",")];
	return runToEnd([process.execPath, CTL_ENTRY, ...timeout, ...endpoints, ...args], {
		env: { NEURO_ENDPOINTS: undefined, NEURO_ADMIN_TOKEN: options.token },
	});
}
