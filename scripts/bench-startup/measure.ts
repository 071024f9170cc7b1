/**
 * One start: exec a node (binary or `bun run node.ts`), wait for its "edge on URL" line,
 * GET a demo page through it until the first 200, then SIGTERM it and wait for the exit
 * (outside the timing). Every wait has a deadline; a start that misses it fails the run.
 */
const DEADLINE_MS = 10_000;

export type OneStart = { readonly listeningMs: number; readonly first200Ms: number };

export async function measureStart(command: readonly string[], cwd: string): Promise<OneStart> {
	const started = performance.now();
	const child = Bun.spawn([...command], { cwd, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
	const deadline = setTimeout(() => child.kill("SIGKILL"), DEADLINE_MS);
	try {
		const url = await edgeUrl(child.stderr);
		const listeningMs = performance.now() - started;
		const response = await fetch(`${url}/pages/1`);
		await response.arrayBuffer();
		const first200Ms = performance.now() - started;
		if (response.status !== 200) throw new Error(`first response was ${response.status}`);
		child.kill("SIGTERM");
		const code = await child.exited;
		if (code !== 0) throw new Error(`exit ${code} after SIGTERM`);
		return { listeningMs, first200Ms };
	} finally {
		clearTimeout(deadline);
		if (child.exitCode === null) child.kill("SIGKILL");
	}
}

/** Reads stderr until the node says where it listens; drains the rest in the background. */
async function edgeUrl(stderr: ReadableStream<Uint8Array>): Promise<string> {
	const reader = stderr.getReader();
	const decoder = new TextDecoder();
	let text = "";
	for (;;) {
		const { value, done } = await reader.read();
		if (done) throw new Error(`exited before listening:\n${text}`);
		text += decoder.decode(value, { stream: true });
		const match = /edge on (https?:\/\/\S+)/.exec(text);
		if (match?.[1] !== undefined) {
			void (async () => {
				while (!(await reader.read()).done) {}
			})();
			return match[1];
		}
	}
}
