/**
 * The demo origin on 127.0.0.1, for scripts/bench-edge.sh. Its /_origin/stats counter is how
 * the benchmark proves that no measured request got past a cache.
 *   bun run scripts/bench-edge/origin.ts --port 18080
 */
import { createDemoOrigin } from "../../edge/demo-origin.ts";
import { portFromArgv } from "./port-flag.ts";

const port = portFromArgv(Bun.argv.slice(2), "scripts/bench-edge/origin.ts");
const { app } = createDemoOrigin();
Bun.serve({ hostname: "127.0.0.1", port, fetch: app.fetch });
console.error(`[origin] demo origin on http://127.0.0.1:${port}`);
