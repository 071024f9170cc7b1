/**
 * A request body read as JSON and checked against its schema, for every route of the
 * control plane's API that takes one. A refusal says what is wrong in terms the caller can
 * act on: that the body is not JSON at all (with the shape the route wants), or which field
 * fails and why ("expected: Invalid type: Expected string but received 5"), never a bare
 * "Expected Object but received undefined" for a body that was text.
 */
import * as v from "valibot";

export type JsonBody<T> =
	| { readonly ok: true; readonly value: T }
	| { readonly ok: false; readonly message: string };

export interface JsonBodyOptions {
	/** The body the route takes, written out for the "not JSON" refusal: `{"value": "..."}`. */
	readonly shape: string;
	/** An empty body stands for `{}` (routes whose every field is optional). */
	readonly emptyIsObject?: boolean;
}

export async function readJsonBody<T>(
	request: Request,
	schema: v.GenericSchema<unknown, T>,
	options: JsonBodyOptions,
): Promise<JsonBody<T>> {
	const text = await request.text();
	let raw: unknown;
	if (options.emptyIsObject === true && text.trim() === "") raw = {};
	else {
		try {
			raw = JSON.parse(text);
		} catch {
			return { ok: false, message: `body must be JSON: ${options.shape}` };
		}
	}
	const parsed = v.safeParse(schema, raw);
	if (parsed.success) return { ok: true, value: parsed.output };
	const issue = parsed.issues[0];
	const field = v.getDotPath(issue);
	if (field !== null) return { ok: false, message: `${field}: ${issue.message}` };
	// The top level is not the object the route wants (an array, a string, null).
	return { ok: false, message: `${issue.message}; body must be ${options.shape}` };
}
