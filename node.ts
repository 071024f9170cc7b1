/**
 * The POP node. For now: the L0 memory tier over the slab, and the node's status routes.
 * The edge proxy, Raft member and gossip join here as their issues land.
 *   bun run node.ts [--host 127.0.0.1] [--port 8080] [--memory-mb 256] [--slab auto|ffi|ts]
 */
import { FlagError, parseNodeFlags } from "./cluster/node/flags.ts";
import { createStatusApp } from "./edge/status-app.ts";
import { MemoryTier } from "./edge/store/memory.ts";
import { createSlab } from "./native/index.ts";
import packageJson from "./package.json" with { type: "json" };

async function main(): Promise<void> {
	let flags: ReturnType<typeof parseNodeFlags>;
	try {
		flags = parseNodeFlags(Bun.argv.slice(2));
	} catch (error) {
		if (error instanceof FlagError) {
			console.error(error.message);
			process.exit(2);
		}
		throw error;
	}
	const slab = await createSlab({
		capacityBytes: flags.memoryMb * 2 ** 20,
		implementation: flags.slab,
	});
	const tier = new MemoryTier({ slab });
	const app = createStatusApp({ tier, version: packageJson.version, startedAt: Date.now() });
	const server = Bun.serve({ hostname: flags.host, port: flags.port, fetch: app.fetch });
	const base = `http://${flags.host}:${server.port}`;
	console.error(
		`INFO neurocache ${packageJson.version} listening on ${base} (L0 ${flags.memoryMb} MiB, ${slab.kind} slab)`,
	);
	console.error(
		`INFO try: curl ${base}/_neuro/health ; curl -X PUT --data hello ${base}/_neuro/l0/greeting ; curl ${base}/_neuro/l0/greeting`,
	);

	const shutdown = async (signal: string) => {
		console.error(`INFO ${signal}: draining and shutting down`);
		await server.stop();
		slab.close();
		process.exit(0);
	};
	process.once("SIGTERM", () => void shutdown("SIGTERM"));
	process.once("SIGINT", () => void shutdown("SIGINT"));
}

await main();
