/**
 * Prints N loopback ports that were free a moment ago, one per line, so concurrent runs of
 * the benchmark (or a busy default port) do not collide. Each port is held until all are
 * chosen so the N are distinct.
 *   bun run scripts/bench-edge/free-ports.ts 4
 */
import { freeLoopbackPorts } from "../lib/free-ports.ts";

const count = Number(Bun.argv[2] ?? "1");
if (!Number.isInteger(count) || count < 1 || count > 16) {
	console.error(`usage: bun run scripts/bench-edge/free-ports.ts 1-16 (got ${Bun.argv[2]})`);
	process.exit(2);
}
console.log(freeLoopbackPorts(count).join("\n"));
