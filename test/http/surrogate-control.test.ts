import { describe, expect, test } from "bun:test";
import {
	parseResponseCacheControl,
	type ResponseCacheControl,
} from "../../edge/http/cache-control.ts";
import {
	parseSurrogateControl,
	SURROGATE_CAPABILITY,
	SURROGATE_DEVICE_TOKEN,
} from "../../edge/http/surrogate-control.ts";
import { effectiveResponseDirectives } from "../../edge/http/targeted.ts";

const NOTHING = parseResponseCacheControl(null);

describe("parseSurrogateControl (W3C Edge Architecture 1.0)", () => {
	const rows: [string, string, Partial<ResponseCacheControl>][] = [
		["max-age for every surrogate", "max-age=3600", { maxAge: 3600 }],
		["names compare case-insensitively, as in Cache-Control", "MaX-aGe=60", { maxAge: 60 }],
		["no-store", "no-store", { noStore: true }],
		["aimed at this device", `max-age=60;${SURROGATE_DEVICE_TOKEN}`, { maxAge: 60 }],
		["the device token compares case-insensitively", "max-age=60;NeuroCache", { maxAge: 60 }],
		["aimed at another device: dropped", "max-age=60;other, no-store", { noStore: true }],
		["max-age=N+M: N is the lifetime", "max-age=300+60", { maxAge: 300 }],
		["an unknown directive beside max-age", "foobar, max-age=10", { maxAge: 10 }],
		["no-store-remote is no-store for a CDN", "no-store-remote", { noStore: true }],
		["a quoted ; or , is not a separator", 'content="a;b, c", max-age=5', { maxAge: 5 }],
		[
			"an invalid max-age is stale, as in Cache-Control (RFC 9111 §4.2.1)",
			"max-age =100",
			{ maxAge: 0 },
		],
	];
	test.each(rows)("%s", (_title, input, expected) => {
		expect(parseSurrogateControl(input)).toEqual({ ...NOTHING, ...expected });
	});

	test.each([
		["absent", null],
		["empty", ""],
		["only directives for other devices", "max-age=3600;not-for-you, no-store;other"],
		["only extension directives (ESI)", 'content="ESI/1.0"'],
	])("%s: no directives (the field is ignored)", (_title, input) => {
		expect(parseSurrogateControl(input)).toBeUndefined();
	});

	test("Surrogate-Capability names the token the targets are matched against", () => {
		expect(SURROGATE_CAPABILITY.split("=")[0]).toBe(SURROGATE_DEVICE_TOKEN);
	});
});

describe("Surrogate-Control on the target list", () => {
	test("it replaces Cache-Control and Expires (RFC 9213 §2.2)", () => {
		const headers = new Headers({
			"surrogate-control": "max-age=60",
			"cache-control": "no-store",
			expires: "0",
		});
		expect(effectiveResponseDirectives(headers)).toMatchObject({
			directives: { maxAge: 60, noStore: false },
			source: "Surrogate-Control",
			expiresApplies: false,
		});
	});

	test("CDN-Cache-Control outranks it", () => {
		const headers = new Headers({
			"cdn-cache-control": "max-age=5",
			"surrogate-control": "max-age=60",
		});
		expect(effectiveResponseDirectives(headers)).toMatchObject({
			directives: { maxAge: 5 },
			source: "CDN-Cache-Control",
		});
	});

	test("one aimed only at another device leaves Cache-Control in charge", () => {
		const headers = new Headers({
			"surrogate-control": "max-age=60;other",
			"cache-control": "max-age=7",
		});
		expect(effectiveResponseDirectives(headers)).toMatchObject({
			directives: { maxAge: 7 },
			source: "Cache-Control",
		});
	});
});
