/**
 * The whole proxy against a model origin, under random requests, time, origin changes and
 * failures: whatever the cache decides, it never answers with bytes that are not the right
 * ones. Every body must be some version the origin served for that very URL and variant,
 * never a newer one than exists, never one the origin marked no-store or private unless the
 * origin sent it in full during that request, and a 206 must be a true slice of such a version.
 */

import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { originAcceptEncoding } from "../../edge/http/accept-encoding.ts";
import type { OriginFetch } from "../../edge/proxy/origin-fetch.ts";
import { makeEdge, settle } from "./edge-harness.ts";

const PATHS = ["/a", "/b", "/c?x=1", "/v", "/l"] as const;

/**
 * /l varies on Accept-Language and has two representations: French for "fr", English for
 * every other value and for none. So most of its variants share one representation, and
 * the edge offers the tags of those it holds when it lacks one (each representation has a
 * tag of its own, as RFC 9110 §8.8.3 asks).
 */
function languageOf(path: string, acceptLanguage: string | null | undefined): string {
	if (path !== "/l") return "";
	return acceptLanguage === "fr" ? "fr" : "en";
}

/** If-None-Match's tags as listed (the model's tags are all strong), or "*". */
function listsTag(ifNoneMatch: string | null, etag: string): boolean {
	if (ifNoneMatch === null) return false;
	return ifNoneMatch.split(",").some((tag) => tag.trim() === etag || tag.trim() === "*");
}
const POLICIES = [
	"max-age=5",
	"max-age=0, must-revalidate",
	"no-store",
	"s-maxage=10, stale-while-revalidate=5",
	"private",
	"max-age=5, stale-if-error=30",
	"no-cache",
] as const;
type Policy = (typeof POLICIES)[number];

interface Version {
	readonly body: string;
	readonly policy: Policy;
}

/** The origin: per path, its versions so far; the newest is what it serves. */
class ModelOrigin {
	readonly versions = new Map<string, Version[]>();
	/** Full responses sent: a 304 sends the client nothing of its own. */
	bodiesSent = 0;
	down = false;

	constructor() {
		for (const path of PATHS) this.change(path, "max-age=5");
	}

	change(path: string, policy: Policy): void {
		const list = this.versions.get(path) ?? [];
		// Distinct lengths per version, so a Content-Length mix-up cannot go unseen.
		const body = `${path}#${list.length}#${"x".repeat(40 + list.length * 7)}`;
		list.push({ body, policy });
		this.versions.set(path, list);
	}

	current(path: string): Version {
		const list = this.versions.get(path) as Version[];
		return list[list.length - 1] as Version;
	}

	readonly fetch: OriginFetch = async (request) => {
		if (this.down) throw new TypeError("connection refused");
		const url = new URL(request.url);
		const path = `${url.pathname}${url.search}`;
		const version = this.current(path);
		const index = (this.versions.get(path) as Version[]).length - 1;
		const language = languageOf(path, request.headers.get("accept-language"));
		const etag = language === "" ? `"${path}-${index}"` : `"${path}-${index}-${language}"`;
		const coding = path === "/v" ? (request.headers.get("accept-encoding") ?? "") : "";
		const headers: Record<string, string> = {
			"cache-control": version.policy,
			etag,
			"content-type": "text/plain",
		};
		if (path === "/v") headers.vary = "accept-encoding";
		if (path === "/l") headers.vary = "accept-language";
		if (listsTag(request.headers.get("if-none-match"), etag))
			return new Response(null, { status: 304, headers });
		// The variant's coding or language is part of the body, so a wrong variant is a wrong body.
		this.bodiesSent++;
		return new Response(wholeBody(version, coding || language), { headers });
	};
}

/** A version's body as sent in a coding or language ("": the plain body). */
function wholeBody(version: Version, suffix: string): string {
	return suffix === "" ? version.body : `${version.body}|${suffix}`;
}

/** Each request field shows up now and then: most requests are plain, as most traffic is. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>) =>
	fc.option(arbitrary, { freq: 4, nil: undefined });
const requestHeaders = fc
	.record({
		range: sometimes(
			fc.constantFrom("bytes=0-9", "bytes=5-", "bytes=-3", "bytes=9999-", "bytes=a-b"),
		),
		"cache-control": sometimes(
			fc.constantFrom("no-cache", "max-age=0", "only-if-cached", "max-stale", "min-fresh=3"),
		),
		"accept-encoding": sometimes(fc.constantFrom("gzip", "br", "gzip, br")),
		"accept-language": sometimes(fc.constantFrom("en", "en-US", "de", "fr")),
		"if-none-match": sometimes(fc.constantFrom('"/a-0"', '"/b-1"', '"/v-0"', "*")),
	})
	.map((fields) => {
		const headers: Record<string, string> = {};
		for (const [name, value] of Object.entries(fields))
			if (value !== undefined) headers[name] = value;
		return headers;
	});

const op = fc.oneof(
	{
		weight: 8,
		arbitrary: fc.record({
			kind: fc.constant("get" as const),
			method: fc.constantFrom("GET", "GET", "GET", "HEAD"),
			path: fc.constantFrom(...PATHS),
			headers: requestHeaders,
		}),
	},
	{
		weight: 3,
		arbitrary: fc.record({
			kind: fc.constant("advance" as const),
			ms: fc.integer({ min: 1, max: 20_000 }),
		}),
	},
	{
		weight: 2,
		arbitrary: fc.record({
			kind: fc.constant("change" as const),
			path: fc.constantFrom(...PATHS),
			policy: fc.constantFrom(...POLICIES),
		}),
	},
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant("down" as const), down: fc.boolean() }) },
);

describe("the proxy against a model origin (property)", () => {
	test("every answer's bytes are a version the origin served for that URL and variant", async () => {
		await fc.assert(
			fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 60 }), async (ops) => {
				const origin = new ModelOrigin();
				const { get, timers } = makeEdge({ fetchOrigin: origin.fetch });
				for (const step of ops) {
					if (step.kind === "advance") timers.advance(step.ms);
					else if (step.kind === "change") origin.change(step.path, step.policy);
					else if (step.kind === "down") origin.down = step.down;
					else {
						const bodiesBefore = origin.bodiesSent;
						const res = await get(step.path, step.headers, step.method);
						const body = await res.text().catch(() => undefined);
						await settle();
						const fromOrigin = origin.bodiesSent > bodiesBefore;
						if (step.method === "HEAD") checkHead(res, body);
						else checkAnswer(origin, step.path, step.headers, res, body, fromOrigin);
					}
				}
			}),
			{ numRuns: 250 },
		);
	});
});

/** A HEAD gets a status like a GET's, and never a body. */
function checkHead(res: Response, body: string | undefined): void {
	expect([200, 206, 304, 416, 502, 504]).toContain(res.status);
	expect(body ?? "").toBe("");
}

function checkAnswer(
	origin: ModelOrigin,
	path: string,
	headers: Record<string, string>,
	res: Response,
	body: string | undefined,
	fromOrigin: boolean,
): void {
	const context = { path, headers, status: res.status, body };
	expect(
		[200, 206, 304, 416, 502, 504].includes(res.status),
		`unexpected status: ${JSON.stringify(context)}`,
	).toBe(true);
	if (res.status !== 200 && res.status !== 206) return;
	expect(body, `a ${res.status} without a readable body: ${JSON.stringify(context)}`).toBeDefined();
	const text = body as string;
	const length = res.headers.get("content-length");
	if (length !== null) expect(Number(length)).toBe(new TextEncoder().encode(text).byteLength);
	// The origin sees the Accept-Encoding the edge forwards: the client's, reduced to what
	// the variant key holds (originAcceptEncoding), so one variant has one body.
	const coding =
		path === "/v" ? (originAcceptEncoding(headers["accept-encoding"] ?? null) ?? "") : "";
	const candidates = (origin.versions.get(path) as Version[]).filter(
		// A version that must not be stored may reach a client only from the origin itself,
		// in a full response sent during this request (a 304 brings no body of its own).
		(version) => fromOrigin || (version.policy !== "no-store" && version.policy !== "private"),
	);
	const language = languageOf(path, headers["accept-language"]);
	const wholes = candidates.map((v) => wholeBody(v, coding || language));
	if (res.status === 200) {
		expect(wholes, `a body that is no version of ${path}: ${JSON.stringify(context)}`).toContain(
			text,
		);
		return;
	}
	const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.headers.get("content-range") ?? "");
	expect(range, `a 206 without a byte Content-Range: ${JSON.stringify(context)}`).not.toBeNull();
	const [, first, last, complete] = (range as RegExpExecArray).map(Number) as number[];
	const matches = wholes.filter(
		(whole) => whole.length === complete && whole.slice(first, (last as number) + 1) === text,
	);
	expect(
		matches.length,
		`a 206 that is no slice of ${path}: ${JSON.stringify(context)}`,
	).toBeGreaterThan(0);
}
