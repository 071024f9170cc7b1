import { describe, expect, test } from "bun:test";
import { appendCdnLoop, cameBackTo, cdnLoopMember, newHopName } from "../../edge/http/cdn-loop.ts";

describe("CDN-Loop (RFC 8586)", () => {
	test("a forwarded request gets this instance's member after the CDNs it already passed", () => {
		const fresh = new Headers();
		appendCdnLoop(fresh, "a1");
		expect(fresh.get("cdn-loop")).toBe("neurocache; edge=a1");

		const passed = new Headers([
			["cdn-loop", "foo123.foocdn.example, barcdn; abc=123"],
			["cdn-loop", "neurocache; edge=b2"],
		]);
		appendCdnLoop(passed, "a1");
		expect(passed.get("cdn-loop")).toBe(
			"foo123.foocdn.example, barcdn; abc=123, neurocache; edge=b2, neurocache; edge=a1",
		);
	});

	test("a request carrying this instance's own member came back", () => {
		const ours = cdnLoopMember("a1");
		for (const field of [
			ours,
			`barcdn, ${ours}`,
			"NeuroCache;edge=a1", // the cdn-id and parameter names compare without case
			"neurocache ; EDGE = a1",
			'neurocache; pop="x;y, z"; edge="a1"', // a quoted-string, with ; and , inside others
			'neurocache; edge="a\\1"', // quoted-pair
			"neurocache; edge=b2, neurocache; edge=a1",
		])
			expect({ field, back: cameBackTo(field, "a1") }).toEqual({ field, back: true });
	});

	test("other CDNs, other NeuroCache instances and garbled members are not a loop", () => {
		for (const field of [
			null,
			"",
			"neurocache",
			"neurocache; edge=b2", // another node, or a tier in front of this one
			"neurocache; edge=a12",
			"neurocache; edge=A1", // a token is compared exactly
			"neurocache; edge=",
			"neurocache; =a1",
			'neurocache; edge="a1', // unterminated
			"othercdn; edge=a1", // someone else's parameter of the same name
			"edge=a1",
			"neurocache.example; edge=a1",
			'barcdn; note="neurocache; edge=a1"', // inside another member's quoted-string
			",,;;,",
		])
			expect({ field, back: cameBackTo(field, "a1") }).toEqual({ field, back: false });
	});

	test("instance names are random tokens", () => {
		const names = new Set(Array.from({ length: 100 }, () => newHopName()));
		expect(names.size).toBe(100);
		for (const name of names) expect(name).toMatch(/^[0-9a-f]{16}$/);
	});
});
