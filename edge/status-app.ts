/**
 * The node's own routes under /_neuro: health, L0 stats (the slab tier's and the large
 * objects' store's), and a raw L0 get/put to try the tier by hand. Web APIs and Hono only, so it runs on any runtime. The raw L0 routes read
 * and overwrite cached objects by key, so they take the admin bearer token, as purge does,
 * and are off without one.
 */
import { Hono } from "hono";
import { adminRefusal } from "./admin-auth.ts";
import type { LargeObjectStore } from "./store/large-objects.ts";
import type { MemoryTier } from "./store/memory.ts";

export interface StatusAppDeps {
	readonly tier: MemoryTier;
	/** The large objects' store beside the slab tier; undefined when it is off. */
	readonly large?: LargeObjectStore | undefined;
	readonly version: string;
	readonly startedAt: number;
	/** Bearer token for the raw L0 routes; without one they answer 403. */
	readonly adminToken?: string | undefined;
	/**
	 * Which process answers, and the exact build it runs (its --version line): during a
	 * rolling restart two processes share the port, and the rollout waits for the new one.
	 */
	readonly instance?: { readonly pid: number; readonly build: string };
}

/** Keys come from the URL; keep them to something a log line can show. */
const MAX_KEY_LENGTH = 1024;

export function createStatusApp({
	tier,
	large,
	version,
	startedAt,
	instance,
	adminToken,
}: StatusAppDeps): Hono {
	const app = new Hono();

	app.use("/_neuro/l0/*", async (c, next) => {
		const refused = adminRefusal(c.req.header("authorization"), adminToken, "raw L0 access");
		if (refused !== undefined) return refused;
		await next();
	});

	app.get("/_neuro/health", (c) =>
		c.json({
			status: "ok",
			version,
			...(instance === undefined ? {} : { pid: instance.pid, build: instance.build }),
			slab: tier.slab.kind,
			uptimeMs: Date.now() - startedAt,
		}),
	);

	app.get("/_neuro/stats", (c) => {
		const slab = tier.slab.stats();
		return c.json({
			tier: tier.stats(),
			slab: {
				kind: tier.slab.kind,
				capacityBytes: slab.capacityBytes,
				bytesInUse: slab.bytesInUse,
				bytesRequested: slab.bytesRequested,
				pagesUsed: slab.pagesUsed,
				pagesTotal: slab.pagesTotal,
				classesInUse: slab.classes.filter((k) => k.slotsUsed + k.slotsFree > 0),
			},
			// null: objects over the slab's gate are not cached (the store has no budget).
			large:
				large === undefined
					? null
					: {
							...large.stats(),
							maxObjectBytes: large.maxObjectBytes,
							bufferedBytes: large.bufferedBytes,
						},
		});
	});

	app.get("/_neuro/l0/:key{.+}", (c) => {
		const body = tier.get(c.req.param("key"));
		if (body === undefined) return c.text("not cached\n", 404);
		// Copy: the view is only valid until the tier next changes.
		return c.body(body.slice(), 200, { "content-type": "application/octet-stream" });
	});

	app.put("/_neuro/l0/:key{.+}", async (c) => {
		const key = c.req.param("key");
		if (key.length > MAX_KEY_LENGTH) return c.text(`key longer than ${MAX_KEY_LENGTH}\n`, 414);
		const declared = Number(c.req.header("content-length") ?? "0");
		if (declared > tier.maxObjectBytes) return c.text("object above the L0 byte gate\n", 413);
		const ttl = c.req.query("ttl_ms");
		const ttlMs = ttl === undefined ? undefined : Number(ttl);
		if (ttlMs !== undefined && !(Number.isFinite(ttlMs) && ttlMs >= 0)) {
			return c.text("ttl_ms must be a non-negative number\n", 400);
		}
		const body = new Uint8Array(await c.req.arrayBuffer());
		const result = tier.set(key, body, ttlMs === undefined ? {} : { ttlMs });
		if (!result.stored)
			return c.text(`not stored: ${result.reason}\n`, result.reason === "too-large" ? 413 : 507);
		return c.text("stored\n", 201);
	});

	return app;
}
