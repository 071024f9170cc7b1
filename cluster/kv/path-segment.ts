/**
 * A route's parameter read from the raw request URL and percent-decoded exactly once, the
 * same way under Hono's router and Bun's native routes.
 *
 * Why not the routers' own parameters: Hono's `c.req.param()` is decoded already, so
 * decoding it again turned the name "a%41" (sent as `a%2541`) into "aA", and an escape it
 * had left alone into a URIError; Bun's `req.params` turns a bad escape into U+FFFD
 * instead of refusing it. One decode of the raw segment gives every server one answer.
 */
import * as v from "valibot";
import { rawPath } from "../../edge/http/raw-path.ts";

export type Segment = { readonly ok: true; readonly value: string } | SegmentRefusal;
export type SegmentRefusal = { readonly ok: false; readonly message: string };

/**
 * Segment `index` of the URL's path (`/v1/kv/KEY`: "v1" is 1, KEY is 3), decoded once;
 * `what` names it in the refusal of a bad escape.
 */
export function pathSegment(url: string, index: number, what: string): Segment {
	const raw = rawPath(url).split("/")[index];
	if (raw === undefined) return { ok: false, message: `${what} is missing` };
	if (!raw.includes("%")) return { ok: true, value: raw };
	try {
		return { ok: true, value: decodeURIComponent(raw) };
	} catch {
		return { ok: false, message: `${what} is not valid percent-encoding` };
	}
}

/** Segment `index`, decoded once and checked against `schema` (its first issue refuses it). */
export function checkedSegment<Schema extends v.GenericSchema<string>>(
	url: string,
	index: number,
	what: string,
	schema: Schema,
): { readonly ok: true; readonly value: v.InferOutput<Schema> } | SegmentRefusal {
	const segment = pathSegment(url, index, what);
	if (!segment.ok) return segment;
	const parsed = v.safeParse(schema, segment.value);
	return parsed.success
		? { ok: true, value: parsed.output }
		: { ok: false, message: parsed.issues[0].message };
}
