// The conformance subset on Cloudflare Workers: edge/runtime/worker.ts bundled (wrangler
// would bundle it the same way on deploy) and run in workerd through miniflare, with the
// compatibility date of wrangler.toml. Outbound fetches go to the loopback origin.
import { dirname } from "node:path";
import * as v from "valibot";
import wrangler from "../../wrangler.toml";
import { bundle } from "./bundle.ts";
import { describeConformance } from "./conformance.ts";

const WranglerConfig = v.object({
	main: v.literal("edge/runtime/worker.ts"),
	compatibility_date: v.pipe(v.string(), v.isoDate()),
	vars: v.record(v.string(), v.string()),
});

/** What the Workers platform does not let the edge do (docs/architecture.md, "Runtimes"). */
const WORKERS_LIMITS = { decodesContentCoding: true, setsOriginHostAndAcceptEncoding: true };

describeConformance(
	"Workers",
	async (settings) => {
		const config = v.parse(WranglerConfig, wrangler);
		let Miniflare: typeof import("miniflare").Miniflare;
		try {
			({ Miniflare } = await import("miniflare"));
		} catch (cause) {
			throw new Error("miniflare (workerd) is missing: run `npm ci`", { cause });
		}
		const built = await bundle("../../edge/runtime/worker.ts", "browser");
		const worker = new Miniflare({
			modules: true,
			scriptPath: built.file,
			// Module names are paths under this root; the default (cwd) cannot reach the temp dir.
			modulesRoot: dirname(built.file),
			compatibilityDate: config.compatibility_date,
			bindings: {
				...config.vars,
				NEURO_ORIGIN: settings.origin,
				NEURO_ADMIN_TOKEN: settings.adminToken,
				NEURO_POP: "workers",
			},
			host: "127.0.0.1",
			port: 0,
		});
		try {
			const url = await worker.ready;
			return {
				url: url.origin,
				stop: () => worker.dispose().finally(built.remove),
			};
		} catch (error) {
			await worker.dispose().catch(() => {});
			built.remove();
			throw error;
		}
	},
	WORKERS_LIMITS,
);
