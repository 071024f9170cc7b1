/** `--port N` for the small benchmark servers: required, so a run never binds a default by accident. */
import { parseArgs } from "node:util";

export function portFromArgv(argv: readonly string[], program: string): number {
	const { values } = parseArgs({
		args: [...argv],
		options: { port: { type: "string" } },
		strict: true,
		allowPositionals: false,
	});
	const port = Number(values.port);
	if (values.port === undefined || !/^\d{1,5}$/.test(values.port) || port < 1 || port > 65_535) {
		console.error(`usage: bun run ${program} --port 1-65535 (got ${values.port ?? "nothing"})`);
		process.exit(2);
	}
	return port;
}
