/**
 * Runs an edge adapter as a child process on a free loopback port (NEURO_PORT=0) and
 * waits, with a deadline, for the line it prints once it listens. A child that exits or
 * stays silent fails with its stderr in the message.
 */
import type { RunningEdge, StartSettings } from "./conformance.ts";

const START_DEADLINE_MS = 30_000;
const STOP_DEADLINE_MS = 5_000;
const LISTENING = /listening on (http:\/\/[^\s,]+)/;

/** The child's environment: ours without NEURO_* (a stray one must not leak in), plus the settings. */
export function edgeEnv(runtime: string, settings: StartSettings): Record<string, string> {
	const env: Record<string, string> = {};
	for (const [name, value] of Object.entries(process.env))
		if (value !== undefined && !name.startsWith("NEURO_")) env[name] = value;
	return {
		...env,
		NEURO_ORIGIN: settings.origin,
		NEURO_HOST: "127.0.0.1",
		NEURO_PORT: "0",
		NEURO_MEMORY_MB: "16",
		NEURO_ADMIN_TOKEN: settings.adminToken,
		NEURO_POP: runtime,
	};
}

async function drain(stream: ReadableStream<Uint8Array>, onText: (text: string) => void) {
	const decoder = new TextDecoder();
	for await (const chunk of stream) onText(decoder.decode(chunk, { stream: true }));
}

export async function startEdgeProcess(
	runtime: string,
	command: string[],
	env: Record<string, string>,
): Promise<RunningEdge> {
	const child = Bun.spawn(command, { env, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
	let stdout = "";
	let stderr = "";
	let announce: (url: string) => void = () => {};
	const announced = new Promise<string>((resolve) => {
		announce = resolve;
	});
	void drain(child.stdout, (text) => {
		stdout += text;
		const match = LISTENING.exec(stdout);
		if (match?.[1] !== undefined) announce(match[1]);
	});
	void drain(child.stderr, (text) => {
		stderr += text;
	});
	let timer: ReturnType<typeof setTimeout> | undefined;
	const outcome = await Promise.race([
		announced.then((url) => ({ url })),
		child.exited.then((code) => ({ exited: code })),
		new Promise<{ timedOut: true }>((resolve) => {
			timer = setTimeout(() => resolve({ timedOut: true }), START_DEADLINE_MS);
		}),
	]);
	clearTimeout(timer);
	if (!("url" in outcome)) {
		child.kill("SIGKILL");
		const why =
			"exited" in outcome
				? `exited with code ${outcome.exited}`
				: `printed no "listening on" line within ${START_DEADLINE_MS} ms`;
		throw new Error(
			`the ${runtime} edge (${command.join(" ")}) ${why}\nstdout: ${stdout}\nstderr: ${stderr}`,
		);
	}
	return {
		url: outcome.url,
		stop: async () => {
			child.kill("SIGTERM");
			const code = await Promise.race([
				child.exited,
				new Promise<"timeout">((resolve) => {
					timer = setTimeout(() => resolve("timeout"), STOP_DEADLINE_MS);
				}),
			]);
			clearTimeout(timer);
			if (code === "timeout") {
				child.kill("SIGKILL");
				throw new Error(`the ${runtime} edge ignored SIGTERM for ${STOP_DEADLINE_MS} ms`);
			}
			if (code !== 0)
				throw new Error(
					`the ${runtime} edge exited with code ${code} on SIGTERM\nstderr: ${stderr}`,
				);
		},
	};
}

/** Runs an adapter expected to refuse its settings: its exit code and stderr. */
export async function runToExit(
	command: string[],
	env: Record<string, string>,
): Promise<{ code: number; stderr: string }> {
	const child = Bun.spawn(command, { env, stdout: "ignore", stderr: "pipe", stdin: "ignore" });
	let timer: ReturnType<typeof setTimeout> | undefined;
	const code = await Promise.race([
		child.exited,
		new Promise<"timeout">((resolve) => {
			timer = setTimeout(() => resolve("timeout"), START_DEADLINE_MS);
		}),
	]);
	clearTimeout(timer);
	if (code === "timeout") {
		child.kill("SIGKILL");
		throw new Error(`${command.join(" ")} did not exit within ${START_DEADLINE_MS} ms`);
	}
	return { code, stderr: await new Response(child.stderr).text() };
}
