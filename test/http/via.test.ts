import { describe, expect, test } from "bun:test";
import { appendVia } from "../../edge/http/via.ts";

describe("Via on a forwarded request (RFC 9110 §7.6.3)", () => {
	test("a request that came straight from its client gets this hop alone", () => {
		const headers = new Headers();
		appendVia(headers);
		expect(headers.get("via")).toBe("1.1 neurocache");
	});

	test("this hop goes after the ones the request already passed, in order", () => {
		const headers = new Headers({ via: "1.0 fred, 1.1 p.example.net" });
		appendVia(headers);
		expect(headers.get("via")).toBe("1.0 fred, 1.1 p.example.net, 1.1 neurocache");
	});

	test("repeated Via lines are one list", () => {
		const headers = new Headers([
			["via", "1.0 fred"],
			["via", "1.1 p.example.net"],
		]);
		appendVia(headers);
		expect(headers.get("via")).toBe("1.0 fred, 1.1 p.example.net, 1.1 neurocache");
	});

	test("an empty Via is no hop", () => {
		const headers = new Headers({ via: " " });
		appendVia(headers);
		expect(headers.get("via")).toBe("1.1 neurocache");
	});
});
