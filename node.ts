/**
 * The POP node: the edge proxy over the L0 memory tier, plus the node's status routes.
 * With no origin given it also starts the demo origin, so `npm start` shows a working CDN.
 * The Raft member and gossip join here as their issues land.
 *   bun run node.ts [--host 127.0.0.1] [--port 8080] [--memory-mb 256] [--slab auto|ffi|ts]
 *                   [--origin URL | --hosts FILE]      env: NEURO_ORIGIN, NEURO_ADMIN_TOKEN
 */
import { Hono } from "hono";
import { FlagError, type NodeFlags, parseNodeFlags } from "./cluster/node/flags.ts";
import { loadHostsFile } from "./cluster/node/hosts-file.ts";
import { createEdgeApp } from "./edge/app.ts";
import { type HostsConfig, HostsConfigError } from "./edge/config/hosts.ts";
import { createDemoOrigin } from "./edge/demo-origin.ts";
import { CacheLock } from "./edge/lock/cache-lock.ts";
import { systemTimers } from "./edge/lock/timers.ts";
import { Registry } from "./edge/metrics/registry.ts";
import { createStatusApp } from "./edge/status-app.ts";
import { MemoryTier } from "./edge/store/memory.ts";
import { createSlab } from "./native/index.ts";
import packageJson from "./package.json" with { type: "json" };

function fail(message: string): never {
	console.error(message);
	process.exit(2);
}

/** The routes to origins, and the demo origin's server when we started one. */
async function resolveRoutes(
	flags: NodeFlags,
): Promise<{ routes: HostsConfig; demo?: ReturnType<typeof Bun.serve> }> {
	if (flags.hosts !== undefined) return { routes: await loadHostsFile(flags.hosts) };
	if (flags.origin !== undefined) return { routes: { hosts: {}, default: flags.origin } };
	const demo = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: createDemoOrigin().app.fetch });
	return { routes: { hosts: {}, default: `http://127.0.0.1:${demo.port}` }, demo };
}

async function main(): Promise<void> {
	let flags: NodeFlags;
	let resolved: Awaited<ReturnType<typeof resolveRoutes>>;
	try {
		flags = parseNodeFlags(Bun.argv.slice(2), process.env);
		resolved = await resolveRoutes(flags);
	} catch (error) {
		if (error instanceof FlagError || error instanceof HostsConfigError) fail(error.message);
		throw error;
	}
	const slab = await createSlab({
		capacityBytes: flags.memoryMb * 2 ** 20,
		implementation: flags.slab,
	});
	const tier = new MemoryTier({ slab });
	const timers = systemTimers;
	const adminToken = process.env.NEURO_ADMIN_TOKEN;
	const edge = createEdgeApp({
		tier,
		routes: resolved.routes,
		lock: new CacheLock({
			timers,
			writerTimeoutMs: 10_000,
			readerWaitMs: 10_000,
			uncacheableTtlMs: 30_000,
		}),
		timers,
		metrics: new Registry(),
		config: {
			pop: process.env.NEURO_POP ?? "local",
			originTimeoutMs: 15_000,
			...(adminToken ? { adminToken } : {}),
		},
	});
	const app = new Hono();
	app.route("/", createStatusApp({ tier, version: packageJson.version, startedAt: Date.now() }));
	app.route("/", edge);
	const server = Bun.serve({ hostname: flags.host, port: flags.port, fetch: app.fetch });
	const base = `http://${flags.host}:${server.port}`;
	const origin = resolved.routes.default ?? "(per host, from the hosts file)";
	console.error(
		`INFO neurocache ${packageJson.version}: edge on ${base}, origin ${origin} (L0 ${flags.memoryMb} MiB, ${slab.kind} slab)`,
	);
	if (resolved.demo !== undefined) {
		console.error(`INFO no --origin given: serving the built-in demo origin at ${origin}. Try:`);
		console.error(`  curl -si ${base}/pages/1 | grep -i cache-status     # fwd=uri-miss, then hit`);
		console.error(`  curl -si -H 'Accept-Language: fr' ${base}/api/greeting   # a Vary variant`);
		console.error(`  curl -si ${base}/api/time | grep -i cache-status    # no-store: never stored`);
		console.error(`  curl -s ${base}/_neuro/metrics | head`);
	}

	const shutdown = async (signal: string) => {
		console.error(`INFO ${signal}: draining and shutting down`);
		await server.stop();
		resolved.demo?.stop(true);
		tier.close();
		process.exit(0);
	};
	process.once("SIGTERM", () => void shutdown("SIGTERM"));
	process.once("SIGINT", () => void shutdown("SIGINT"));
}

await main();
