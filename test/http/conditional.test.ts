import { describe, expect, test } from "bun:test";
import {
	buildRevalidationHeaders,
	evaluatePreconditions,
	freshensStoredResponse,
	freshensValidatedResponse,
	type PreconditionResult,
	type StoredForConditional,
	selectResponsesToFreshen,
} from "../../edge/http/conditional.ts";
import { parseHttpDate } from "../../edge/http/http-date.ts";

const LAST_MODIFIED = "Sun, 06 Nov 1994 08:49:37 GMT";
const BEFORE = "Sat, 05 Nov 1994 08:49:37 GMT";
const AFTER = "Mon, 07 Nov 1994 08:49:37 GMT";

const stored: StoredForConditional = {
	status: 200,
	etag: '"abc"',
	lastModified: LAST_MODIFIED,
	date: "Sun, 06 Nov 1994 09:00:00 GMT",
};

type Case = [
	section: string,
	method: string,
	headers: Record<string, string>,
	expected: PreconditionResult,
	storedOverride?: Partial<StoredForConditional>,
];

const cacheCases: Case[] = [
	["§13.2.2 no preconditions", "GET", {}, "proceed"],
	["§13.1.2 If-None-Match matches: 304", "GET", { "if-none-match": '"abc"' }, "send-304"],
	["§13.1.2 weak comparison: W/ matches", "GET", { "if-none-match": 'W/"abc"' }, "send-304"],
	[
		"§13.1.2 weak comparison against a weak stored tag",
		"HEAD",
		{ "if-none-match": '"abc"' },
		"send-304",
		{ etag: 'W/"abc"' },
	],
	["§13.1.2 any member of a list", "GET", { "if-none-match": '"x", "abc"' }, "send-304"],
	["§13.1.2 no member matches", "GET", { "if-none-match": '"x", "y"' }, "proceed"],
	["§13.1.2 '*' with a stored representation", "GET", { "if-none-match": "*" }, "send-304"],
	["§13.1.2 false for other methods: 412", "DELETE", { "if-none-match": '"abc"' }, "send-412"],
	["§13.1.2 invalid tags match nothing", "GET", { "if-none-match": "abc, W/abc" }, "proceed"],
	["§13.1.2 duplicate tags", "GET", { "if-none-match": '"abc", "abc"' }, "send-304"],
	[
		"§13.1.2 stored response without ETag",
		"GET",
		{ "if-none-match": '"abc"' },
		"proceed",
		{ etag: null },
	],
	["§13.1.3 not modified since", "GET", { "if-modified-since": LAST_MODIFIED }, "send-304"],
	["§13.1.3 modified before the date: 304", "GET", { "if-modified-since": AFTER }, "send-304"],
	["§13.1.3 modified after the date", "GET", { "if-modified-since": BEFORE }, "proceed"],
	["§13.1.3 invalid date ignored", "GET", { "if-modified-since": "yesterday" }, "proceed"],
	[
		"§13.1.3 several members ignored",
		"GET",
		{ "if-modified-since": `${AFTER}, ${AFTER}` },
		"proceed",
	],
	["§13.1.3 only GET and HEAD", "POST", { "if-modified-since": AFTER }, "proceed"],
	[
		"§13.1.5 obsolete RFC 850 date accepted",
		"GET",
		{ "if-modified-since": "Sunday, 06-Nov-94 08:49:37 GMT" },
		"send-304",
	],
	[
		"§5.6.7 asctime date accepted",
		"GET",
		{ "if-modified-since": "Sun Nov  6 08:49:37 1994" },
		"send-304",
	],
	[
		"§13.2.2 If-None-Match takes precedence over If-Modified-Since",
		"GET",
		{ "if-none-match": '"other"', "if-modified-since": AFTER },
		"proceed",
	],
	[
		"RFC 9111 §4.3.2 no Last-Modified: use Date",
		"GET",
		{ "if-modified-since": "Sun, 06 Nov 1994 09:00:00 GMT" },
		"send-304",
		{ lastModified: null },
	],
	[
		"RFC 9111 §4.3.2 no Last-Modified nor Date: use the time received",
		"GET",
		{ "if-modified-since": AFTER },
		"send-304",
		{ lastModified: null, date: null, receivedAt: parseHttpDate(LAST_MODIFIED) ?? 0 },
	],
	["RFC 9111 §4.3.2 If-Match left to the origin", "GET", { "if-match": '"nope"' }, "proceed"],
	[
		"RFC 9111 §4.3.2 If-Unmodified-Since left to the origin",
		"GET",
		{ "if-unmodified-since": BEFORE },
		"proceed",
	],
	[
		"§13.2.1 non-2xx stored response: ignored",
		"GET",
		{ "if-none-match": '"abc"' },
		"proceed",
		{ status: 404 },
	],
];

const originCases: Case[] = [
	["§13.1.1 If-Match strong match", "GET", { "if-match": '"abc"' }, "proceed"],
	["§13.1.1 If-Match mismatch: 412", "GET", { "if-match": '"nope"' }, "send-412"],
	["§13.1.1 If-Match uses strong comparison", "GET", { "if-match": 'W/"abc"' }, "send-412"],
	["§13.1.1 If-Match '*'", "PUT", { "if-match": "*" }, "proceed"],
	["§13.1.1 If-Match with only invalid tags", "GET", { "if-match": "abc" }, "send-412"],
	[
		"§13.1.4 If-Unmodified-Since before modification: 412",
		"GET",
		{ "if-unmodified-since": BEFORE },
		"send-412",
	],
	[
		"§13.1.4 If-Unmodified-Since after modification",
		"GET",
		{ "if-unmodified-since": AFTER },
		"proceed",
	],
	["§13.1.4 invalid date ignored", "GET", { "if-unmodified-since": "soon" }, "proceed"],
	[
		"§13.2.2 step 2 skipped when If-Match is present",
		"GET",
		{ "if-match": '"abc"', "if-unmodified-since": BEFORE },
		"proceed",
	],
	[
		"§13.2.2 step 1 before step 3",
		"GET",
		{ "if-match": '"nope"', "if-none-match": '"abc"' },
		"send-412",
	],
	[
		"§13.2.2 step 3 after step 1 passes",
		"GET",
		{ "if-match": '"abc"', "if-none-match": '"abc"' },
		"send-304",
	],
];

function run(cases: Case[], evaluateOriginPreconditions: boolean): void {
	test.each(cases)("%s", (...[, method, headers, expected, override]: Case) => {
		const request = { method, headers: new Headers(headers) };
		const result = evaluatePreconditions(
			request,
			{ ...stored, ...override },
			{ evaluateOriginPreconditions },
		);
		expect(result).toBe(expected);
	});
}

describe("evaluatePreconditions as a cache (RFC 9110 §13.2.2, RFC 9111 §4.3.2)", () => {
	run(cacheCases, false);
});

describe("evaluatePreconditions with origin preconditions (RFC 9110 §13.2.2)", () => {
	run(originCases, true);
});

describe("buildRevalidationHeaders (RFC 9111 §4.3.1)", () => {
	test("sends the stored ETag and Last-Modified, replacing the client's conditionals", () => {
		const client = new Headers({
			"if-none-match": '"client"',
			"if-modified-since": AFTER,
			accept: "*/*",
		});
		const headers = buildRevalidationHeaders(client, [stored]);
		expect(headers.get("if-none-match")).toBe('"abc"');
		expect(headers.get("if-modified-since")).toBe(LAST_MODIFIED);
		expect(headers.get("accept")).toBe("*/*");
		expect(client.get("if-none-match")).toBe('"client"');
	});

	test("several stored responses: all ETags, no date", () => {
		const headers = buildRevalidationHeaders(new Headers(), [
			stored,
			{ etag: 'W/"w"', lastModified: AFTER },
			{ etag: '"abc"' },
		]);
		expect(headers.get("if-none-match")).toBe('"abc", W/"w"');
		expect(headers.get("if-modified-since")).toBeNull();
	});

	test("a subrange request gets no If-Modified-Since", () => {
		const headers = buildRevalidationHeaders(new Headers(), [stored], { subrange: true });
		expect(headers.get("if-modified-since")).toBeNull();
		expect(headers.get("if-none-match")).toBe('"abc"');
	});

	test("invalid stored validators are not sent", () => {
		const headers = buildRevalidationHeaders(new Headers(), [
			{ etag: "abc", lastModified: "garbage" },
		]);
		expect(headers.get("if-none-match")).toBeNull();
		expect(headers.get("if-modified-since")).toBeNull();
	});
});

type FreshenCase = [
	section: string,
	notModified: StoredForConditional,
	candidates: StoredForConditional[],
	expected: number[],
];

const freshenCases: FreshenCase[] = [
	[
		"§4.3.4 strong ETag selects its matches",
		{ etag: '"a"' },
		[{ etag: '"a"' }, { etag: '"b"' }, { etag: '"a"' }],
		[0, 2],
	],
	["§4.3.4 strong ETag without a match: nothing", { etag: '"c"' }, [{ etag: '"a"' }], []],
	["§4.3.4 strong ETag does not select a weak one", { etag: '"a"' }, [{ etag: 'W/"a"' }], []],
	[
		"§4.3.4 strong Last-Modified (a second before Date)",
		{ lastModified: LAST_MODIFIED, date: AFTER },
		[{ lastModified: BEFORE }, { lastModified: LAST_MODIFIED }],
		[1],
	],
	[
		"§4.3.4 weak ETag: the most recent matching",
		{ etag: 'W/"a"' },
		[
			{ etag: 'W/"a"', date: BEFORE },
			{ etag: '"a"', date: AFTER },
			{ etag: '"b"', date: AFTER },
		],
		[1],
	],
	["§4.3.4 weak ETag without a match", { etag: 'W/"z"' }, [{ etag: 'W/"a"' }], []],
	["§4.3.4 no validators, single validator-less candidate", {}, [{ date: BEFORE }], [0]],
	["§4.3.4 no validators, candidate has one", {}, [{ etag: '"a"' }], []],
	["§4.3.4 no validators, two candidates", {}, [{}, {}], []],
	["§4.3.4 invalid ETag on the 304 counts as none", { etag: "junk" }, [{}], [0]],
];

describe("selectResponsesToFreshen (RFC 9111 §4.3.4)", () => {
	test.each(freshenCases)("%s", (_section, notModified, candidates, expected) => {
		expect(selectResponsesToFreshen(notModified, candidates)).toEqual(expected);
	});

	test("freshensStoredResponse is the single-candidate case", () => {
		expect(freshensStoredResponse({ etag: '"abc"' }, stored)).toBe(true);
		expect(freshensStoredResponse({ etag: '"new"' }, stored)).toBe(false);
	});
});

describe("freshensValidatedResponse: the 304 to our own validation of one response", () => {
	test("with validators, §4.3.4 decides", () => {
		expect(freshensValidatedResponse({ etag: '"abc"' }, stored)).toBe(true);
		expect(freshensValidatedResponse({ etag: '"new"' }, stored)).toBe(false);
	});
	test("with none, it can only be about the response whose validators we sent", () => {
		expect(freshensValidatedResponse({}, stored)).toBe(true);
		expect(freshensValidatedResponse({ etag: null, lastModified: null, date: "x" }, stored)).toBe(
			true,
		);
	});
	test("an unreadable validator is not none", () => {
		expect(freshensValidatedResponse({ etag: "garbage" }, stored)).toBe(false);
	});
});
