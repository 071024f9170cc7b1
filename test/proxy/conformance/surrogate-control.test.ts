/**
 * Surrogate-Control end to end (W3C Edge Architecture 1.0; read after CDN-Cache-Control on
 * the RFC 9213 §2.2 target list): directives for every surrogate, or aimed at ours, replace
 * Cache-Control and Expires; those aimed at another device change nothing. The origin
 * learns our device token from Surrogate-Capability.
 */
import { describe, expect, test } from "bun:test";
import { SURROGATE_DEVICE_TOKEN } from "../../../edge/http/surrogate-control.ts";
import { reusedAfter, type ScriptedField, scriptedEdge } from "./scripted-edge.ts";

const ours = `;${SURROGATE_DEVICE_TOKEN}`;

describe("Surrogate-Control (Edge Architecture 1.0, as an RFC 9213 §2.2 targeted field)", () => {
	const rows: [string, ScriptedField[], boolean][] = [
		["positive max-age", [["surrogate-control", "max-age=3600"]], true],
		["max-age aimed at this device", [["surrogate-control", `max-age=3600${ours}`]], true],
		[
			"max-age aimed at another device is not ours: Age decides",
			[
				["date", 0],
				["surrogate-control", "max-age=3600;not-for-you"],
				["age", "7200"],
			],
			false,
		],
		[
			"Age beyond its max-age",
			[
				["date", 0],
				["surrogate-control", "max-age=3600"],
				["age", "7200"],
			],
			false,
		],
		["max-age=0", [["surrogate-control", "max-age=0"]], false],
		[
			"its max-age=0 wins over a future Expires",
			[
				["surrogate-control", "max-age=0"],
				["expires", 10000],
				["date", 0],
			],
			false,
		],
		[
			"a short max-age wins over a long Cache-Control max-age",
			[
				["cache-control", "max-age=3600"],
				["surrogate-control", "max-age=1"],
			],
			false,
		],
		[
			"a long max-age wins over a short Cache-Control max-age",
			[
				["cache-control", "max-age=1"],
				["surrogate-control", "max-age=3600"],
			],
			true,
		],
		[
			"no-store, whatever Cache-Control says",
			[
				["cache-control", "max-age=10000"],
				["surrogate-control", "no-store"],
				["expires", 10000],
				["date", 0],
			],
			false,
		],
		[
			"a max-age aimed at this device overrides Cache-Control: no-store",
			[
				["cache-control", "no-store"],
				["surrogate-control", `max-age=10000${ours}`],
			],
			true,
		],
		[
			'an ESI origin\'s content="ESI/1.0" alone leaves Cache-Control in charge',
			[
				["cache-control", "max-age=3600"],
				["surrogate-control", 'content="ESI/1.0"'],
			],
			true,
		],
		[
			"CDN-Cache-Control outranks it",
			[
				["cdn-cache-control", "max-age=1"],
				["surrogate-control", "max-age=3600"],
			],
			false,
		],
	];
	test.each(rows)("%s", async (_scenario, fields, reused) => {
		expect(await reusedAfter({ fields }, { after: 2 })).toBe(reused);
	});

	test("the origin is told our device token in Surrogate-Capability, whatever the client sent", async () => {
		const edge = scriptedEdge([{ fields: [["cache-control", "max-age=60"]] }]);
		await edge.send("/resource", [["surrogate-capability", 'other="Surrogate/1.0 ESI/1.0"']]);
		const sent = edge.seenRequest(1).headers.get("surrogate-capability");
		expect(sent?.split("=")[0]).toBe(SURROGATE_DEVICE_TOKEN);
		expect(sent).not.toContain("ESI");
	});

	test("the field is passed on to the client", async () => {
		const edge = scriptedEdge([{ fields: [["surrogate-control", "foo"]] }]);
		const miss = await edge.send();
		expect(miss.headers.get("surrogate-control")).toBe("foo");
	});
});
