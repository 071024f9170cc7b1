/**
 * The gossip plane's routes (crdt-api.ts) over a node's CRDT store and member table, mounted
 * on the member's API app. Every answer comes from this node's replica as it stands.
 * The API's counters and registers live under their own store keys (`counter/NAME`,
 * `register/NAME`), so a counter and a register may share a name and never clash in kind.
 *
 * The counter routes are also offered as Bun native routes (`native`): a node under load
 * takes most of its requests there, and Bun matches them without Hono's dispatch (about a
 * quarter of an increment's cost, measured). Both serve the same handler functions.
 */
import { Hono } from "hono";
import * as v from "valibot";
import type { NativeRoutes } from "../../edge/runtime/bun.ts";
import { CounterRangeError, CrdtInputError, CrdtKindError } from "../crdt/errors.ts";
import type { CrdtStore } from "../crdt/store.ts";
import type { Member, NodeId } from "../gossip/types.ts";
import { type GossipTraffic, IncrBody, NameSchema, RegisterBody } from "./crdt-api.ts";
import { IdempotencyKeys, parseIdempotencyKey } from "./idempotency-keys.ts";
import { readJsonBody } from "./json-body.ts";
import { pathSegment, type SegmentRefusal } from "./path-segment.ts";

/** What the routes need of a running gossip plane. */
export interface GossipView {
	readonly self: NodeId;
	readonly store: Pick<CrdtStore, "incr" | "decr" | "set" | "get" | "count">;
	members(): readonly Member[];
	/** What gossip has sent and received so far (cumulative; the benchmark takes deltas). */
	traffic(): GossipTraffic;
}

/** The plane once it runs; "starting" before; "off" on a node configured without gossip. */
export type GossipSource = () => GossipView | "starting" | "off";

export const counterKey = (name: string) => `counter/${name}`;
export const registerKey = (name: string) => `register/${name}`;

const refuse = (message: string) =>
	Response.json({ error: "bad-request", message }, { status: 400 });

/** An increment's body: `{"by": N}`, or none for a step of one. */
const INCR_BODY = { shape: '{"by": N} or empty', emptyIsObject: true } as const;

/** How many checked names a node remembers (then it forgets them all and starts over). */
const MAX_REMEMBERED_NAMES = 4096;

/** Where the name sits in every route's path: `/v1/counters/NAME`, `/v1/registers/NAME`. */
const NAME_SEGMENT = 3;

export interface CrdtApi {
	/** Every route: counters, registers, gossip members and stats. */
	readonly app: Hono;
	/** The counter routes again, for Bun.serve's own router (the hot path). */
	readonly native: NativeRoutes;
}

/** The `:name` Bun's router matched (BunRequest.params), if it set one. */
function routerName(request: Request): string | undefined {
	const params = (request as Request & { params?: Record<string, string> }).params;
	return params?.name;
}

/** A route's request, and its name as Bun's router decoded it (absent under Hono). */
type NamedHandler = (request: Request, routerName?: string) => Response | Promise<Response>;

export function crdtApi(source: GossipSource): CrdtApi {
	// Decoded names already checked against NameSchema: a few hot counters take most requests.
	const validNames = new Set<string>();
	/**
	 * The name from the raw URL (decoded once, checked). A name Bun's router decoded is
	 * trusted only when it is one already checked: Bun decodes a bad escape leniently, but
	 * never into letters, digits and `._:-` alone, so a valid name it hands over is the one
	 * the raw path spells. Reading `request.url` costs as much as the rest of an increment.
	 */
	const nameOf = (
		request: Request,
		routerName: string | undefined,
	): { ok: true; name: string } | SegmentRefusal => {
		if (routerName !== undefined && validNames.has(routerName))
			return { ok: true, name: routerName };
		const segment = pathSegment(request.url, NAME_SEGMENT, "name");
		if (!segment.ok) return segment;
		if (validNames.has(segment.value)) return { ok: true, name: segment.value };
		const parsed = v.safeParse(NameSchema, segment.value);
		if (!parsed.success) return { ok: false, message: parsed.issues[0].message };
		if (validNames.size >= MAX_REMEMBERED_NAMES) validNames.clear();
		validNames.add(parsed.output);
		return { ok: true, name: parsed.output };
	};
	// Resolve the plane and the name first, for every route alike.
	const withPlane = (
		named: { request: Request; routerName?: string | undefined } | undefined,
		then: (plane: GossipView, name: string) => Response | Promise<Response>,
	): Response | Promise<Response> => {
		const plane = source();
		if (plane === "off")
			return Response.json(
				{
					error: "gossip-off",
					message: "this node runs no gossip (its cluster file entry has no gossip address)",
				},
				{ status: 404 },
			);
		if (plane === "starting")
			return Response.json(
				{ error: "gossip-starting", message: "this node's gossip is still starting" },
				{ status: 503 },
			);
		let name = "";
		if (named !== undefined) {
			const found = nameOf(named.request, named.routerName);
			if (!found.ok) return refuse(found.message);
			name = found.name;
		}
		try {
			return then(plane, name);
		} catch (error) {
			// The store refuses and changes nothing: an overflowing counter, a key of another kind.
			if (error instanceof CrdtInputError || error instanceof RangeError)
				return refuse(error.message);
			if (error instanceof CrdtKindError)
				return Response.json({ error: "wrong-kind", message: error.message }, { status: 409 });
			// Refused rather than answered rounded: JSON numbers past 2^53 - 1 are not exact.
			if (error instanceof CounterRangeError)
				return Response.json({ error: "counter-range", message: error.message }, { status: 409 });
			throw error;
		}
	};

	const steps = new IdempotencyKeys();
	/**
	 * One step of a counter; under an Idempotency-Key (idempotency-keys.ts), a repeat of a
	 * step this node applied answers its first value and counts nothing.
	 */
	const apply = (
		direction: "incr" | "decr",
		name: string,
		by: number,
		plane: GossipView,
		request: Request,
	): Response => {
		const header = request.headers.get("idempotency-key");
		const idempotency = header === null ? undefined : parseIdempotencyKey(header);
		if (idempotency !== undefined && !idempotency.ok) return refuse(idempotency.message);
		const key = idempotency?.key;
		const fingerprint = key === undefined ? "" : `${direction} ${name} ${by}`;
		if (key !== undefined) {
			const earlier = steps.get(key);
			if (earlier !== undefined) {
				if (earlier.fingerprint !== fingerprint)
					return Response.json(
						{
							error: "idempotency-key-reused",
							message: `Idempotency-Key ${key} was sent with another step (${earlier.fingerprint})`,
						},
						{ status: 422 },
					);
				return Response.json(
					{ name, value: earlier.value },
					{ headers: { "idempotent-replayed": "true" } },
				);
			}
		}
		const value =
			direction === "incr"
				? plane.store.incr(counterKey(name), by)
				: plane.store.decr(counterKey(name), by);
		if (key !== undefined) steps.remember(key, { fingerprint, value });
		return Response.json({ name, value });
	};
	const step =
		(direction: "incr" | "decr"): NamedHandler =>
		(request, routerName) => {
			const named = { request, routerName };
			// The common case, an increment by one with no body, is answered without reading one.
			if (request.body === null)
				return withPlane(named, (plane, name) => apply(direction, name, 1, plane, request));
			return readJsonBody(request, IncrBody, INCR_BODY).then((body) =>
				withPlane(named, (plane, name) => {
					if (!body.ok) return refuse(body.message);
					return apply(direction, name, body.value.by, plane, request);
				}),
			);
		};
	const incr = step("incr");
	const decr = step("decr");
	const readCounter: NamedHandler = (request, routerName) =>
		withPlane({ request, routerName }, (plane, name) =>
			Response.json({ name, value: plane.store.count(counterKey(name)) }),
		);

	const app = new Hono();
	app.post("/v1/counters/:name/incr", (c) => incr(c.req.raw));
	app.post("/v1/counters/:name/decr", (c) => decr(c.req.raw));
	app.get("/v1/counters/:name", (c) => readCounter(c.req.raw));

	app.put("/v1/registers/:name", async (c) => {
		const body = await readJsonBody(c.req.raw, RegisterBody, { shape: '{"value": "..."}' });
		return withPlane({ request: c.req.raw }, (plane, name) => {
			if (!body.ok) return refuse(body.message);
			plane.store.set(registerKey(name), body.value.value);
			return Response.json({ name, value: body.value.value });
		});
	});

	app.get("/v1/registers/:name", (c) =>
		withPlane({ request: c.req.raw }, (plane, name) => {
			const held = plane.store.get(registerKey(name));
			if (held === undefined) return Response.json({ name, value: null });
			if (held.kind !== "lww") throw new CrdtKindError(registerKey(name), ["lww"], held.kind);
			const value = held.value;
			// Only strings are written through this API; anything else is shown as its JSON.
			return Response.json({
				name,
				value:
					value === undefined || value === null || typeof value === "string"
						? (value ?? null)
						: JSON.stringify(value),
			});
		}),
	);

	app.get("/v1/gossip/members", () =>
		withPlane(undefined, (plane) =>
			Response.json({
				self: plane.self,
				members: plane
					.members()
					.map(({ id, address, state, incarnation, meta }) => ({
						id,
						address,
						state,
						incarnation,
						meta,
					}))
					.sort((a, b) => a.id - b.id),
			}),
		),
	);
	app.get("/v1/gossip/stats", () =>
		withPlane(undefined, (plane) => Response.json(plane.traffic() satisfies GossipTraffic)),
	);
	return {
		app,
		native: {
			"/v1/counters/:name/incr": { POST: (request) => incr(request, routerName(request)) },
			"/v1/counters/:name/decr": { POST: (request) => decr(request, routerName(request)) },
			"/v1/counters/:name": { GET: (request) => readCounter(request, routerName(request)) },
		},
	};
}
