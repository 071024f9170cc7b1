/**
 * The gossip plane's routes (crdt-api.ts) over a node's CRDT store and member table, mounted
 * on the member's API app. Every answer comes from this node's replica as it stands.
 * The API's counters and registers live under their own store keys (`counter/NAME`,
 * `register/NAME`), so a counter and a register may share a name and never clash in kind.
 */
import { type Context, Hono } from "hono";
import * as v from "valibot";
import { CrdtInputError, CrdtKindError } from "../crdt/errors.ts";
import type { CrdtStore } from "../crdt/store.ts";
import type { Member, NodeId } from "../gossip/types.ts";
import { type GossipTraffic, IncrBody, NameSchema, RegisterBody } from "./crdt-api.ts";

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

/** A body that may be absent (then `{}`), else JSON. */
async function optionalJson(
	request: Request,
): Promise<{ ok: true; value: unknown } | { ok: false }> {
	const text = await request.text();
	if (text.trim() === "") return { ok: true, value: {} };
	try {
		return { ok: true, value: JSON.parse(text) };
	} catch {
		return { ok: false };
	}
}

/** How many checked names a node remembers (then it forgets them all and starts over). */
const MAX_REMEMBERED_NAMES = 4096;

export function crdtRoutes(source: GossipSource): Hono {
	const app = new Hono();
	const validNames = new Map<string, string>();
	// Resolve the plane and the name first, for every route alike.
	const withPlane = (
		rawName: string | undefined,
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
		if (rawName !== undefined) {
			const known = validNames.get(rawName);
			if (known !== undefined) name = known;
			else {
				let decoded: string;
				try {
					decoded = decodeURIComponent(rawName);
				} catch {
					return refuse("name is not valid percent-encoding");
				}
				const parsed = v.safeParse(NameSchema, decoded);
				if (!parsed.success) return refuse(parsed.issues[0].message);
				name = parsed.output;
				// A few hot counters take most requests: remember names already checked.
				if (validNames.size >= MAX_REMEMBERED_NAMES) validNames.clear();
				validNames.set(rawName, name);
			}
		}
		try {
			return then(plane, name);
		} catch (error) {
			// The store refuses and changes nothing: an overflowing counter, a key of another kind.
			if (error instanceof CrdtInputError || error instanceof RangeError)
				return refuse(error.message);
			if (error instanceof CrdtKindError)
				return Response.json({ error: "wrong-kind", message: error.message }, { status: 409 });
			throw error;
		}
	};

	const apply = (direction: "incr" | "decr", name: string, by: number, plane: GossipView) => {
		const value =
			direction === "incr"
				? plane.store.incr(counterKey(name), by)
				: plane.store.decr(counterKey(name), by);
		return Response.json({ name, value });
	};
	const step = (direction: "incr" | "decr") => (c: Context) => {
		// The common case, an increment by one with no body, is answered without reading one.
		if (c.req.raw.body === null)
			return withPlane(c.req.param("name"), (plane, name) => apply(direction, name, 1, plane));
		return optionalJson(c.req.raw).then((body) =>
			withPlane(c.req.param("name"), (plane, name) => {
				if (!body.ok) return refuse('body must be JSON: {"by": N} or empty');
				const parsed = v.safeParse(IncrBody, body.value);
				if (!parsed.success) return refuse(parsed.issues[0].message);
				return apply(direction, name, parsed.output.by, plane);
			}),
		);
	};
	app.post("/v1/counters/:name/incr", step("incr"));
	app.post("/v1/counters/:name/decr", step("decr"));

	app.get("/v1/counters/:name", (c) =>
		withPlane(c.req.param("name"), (plane, name) =>
			Response.json({ name, value: plane.store.count(counterKey(name)) }),
		),
	);

	app.put("/v1/registers/:name", async (c) => {
		const raw = await optionalJson(c.req.raw);
		return withPlane(c.req.param("name"), (plane, name) => {
			if (!raw.ok) return refuse('body must be JSON: {"value": "..."}');
			const body = v.safeParse(RegisterBody, raw.value);
			if (!body.success) return refuse(body.issues[0].message);
			plane.store.set(registerKey(name), body.output.value);
			return Response.json({ name, value: body.output.value });
		});
	});

	app.get("/v1/registers/:name", (c) =>
		withPlane(c.req.param("name"), (plane, name) => {
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
	return app;
}
