import { describe, expect, test } from "bun:test";
import { withoutHopByHop } from "../../edge/http/hop-by-hop.ts";

type Case = [
	section: string,
	input: [string, string][],
	kept: string[],
	options?: { stripProxyAuth: boolean },
];

const cases: Case[] = [
	[
		"§7.6.1 fields always removed",
		[
			["Connection", "close"],
			["Proxy-Connection", "keep-alive"],
			["Keep-Alive", "timeout=5"],
			["TE", "trailers"],
			["Transfer-Encoding", "chunked"],
			["Upgrade", "h2c"],
			["Trailer", "Expires"],
			["Content-Type", "text/plain"],
		],
		["content-type"],
	],
	[
		"§7.6.1 fields named in Connection, any case, comma list",
		[
			["Connection", "X-Foo ,  x-BAR,,close"],
			["x-foo", "1"],
			["X-Bar", "2"],
			["X-Baz", "3"],
		],
		["x-baz"],
	],
	[
		"§7.6.1 several Connection lines",
		[
			["Connection", "x-a"],
			["Connection", "x-b"],
			["X-A", "1"],
			["X-B", "2"],
			["Cache-Control", "max-age=60"],
		],
		["cache-control"],
	],
	[
		"§11.7 proxy authentication fields stripped by default",
		[
			["Proxy-Authorization", "basic aGVsbG86d29ybGQ="],
			["Proxy-Authenticate", "Basic"],
			["Proxy-Authentication-Info", "x=1"],
			["Authorization", "Bearer t"],
		],
		["authorization"],
	],
	[
		"§11.7.2 proxy credentials may be relayed when configured",
		[["Proxy-Authorization", "basic aGVsbG86d29ybGQ="]],
		["proxy-authorization"],
		{ stripProxyAuth: false },
	],
	["§7.6.1 nothing to remove", [["ETag", '"a"']], ["etag"]],
];

describe("withoutHopByHop (RFC 9110 §7.6.1)", () => {
	test.each(cases)("%s", (...[, input, kept, options]: Case) => {
		const headers = new Headers();
		for (const [name, value] of input) headers.append(name, value);
		const result = withoutHopByHop(headers, options);
		expect([...result.keys()].sort()).toEqual(kept);
		// The input is not modified.
		expect([...headers.keys()].length).toBeGreaterThanOrEqual(kept.length);
	});

	test("Set-Cookie lines stay separate", () => {
		const headers = new Headers();
		headers.append("set-cookie", "a=1; Path=/");
		headers.append("set-cookie", "b=2, c");
		headers.append("connection", "close");
		expect(withoutHopByHop(headers).getSetCookie()).toEqual(["a=1; Path=/", "b=2, c"]);
	});

	test("a Connection option naming Set-Cookie removes it", () => {
		const headers = new Headers({ connection: "set-cookie", "set-cookie": "a=1" });
		expect(withoutHopByHop(headers).getSetCookie()).toEqual([]);
	});

	test("an absurdly long Connection list is handled", () => {
		const names = Array.from({ length: 5000 }, (_, i) => `x-h${i}`);
		const headers = new Headers({ connection: names.join(", "), "x-h4999": "1", "x-keep": "1" });
		expect([...withoutHopByHop(headers).keys()]).toEqual(["x-keep"]);
	});
});
