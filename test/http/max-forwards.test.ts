import { describe, expect, test } from "bun:test";
import { type MaxForwardsStep, maxForwardsStep } from "../../edge/http/max-forwards.ts";

describe("Max-Forwards (RFC 9110 §7.6.2)", () => {
	test("0: this hop answers as the final recipient", () => {
		expect(maxForwardsStep("0")).toEqual({ kind: "answer" });
		expect(maxForwardsStep(" 000 ")).toEqual({ kind: "answer" });
	});

	test("a positive count goes on one lower", () => {
		expect(maxForwardsStep("1")).toEqual({ kind: "forward", value: "0" });
		expect(maxForwardsStep("10")).toEqual({ kind: "forward", value: "9" });
		expect(maxForwardsStep("007")).toEqual({ kind: "forward", value: "6" });
		expect(maxForwardsStep("999999999999999")).toEqual({
			kind: "forward",
			value: "999999999999998",
		});
	});

	test("absent, invalid or past any real chain: sent on as it came", () => {
		const asItCame: MaxForwardsStep = { kind: "forward", value: undefined };
		for (const field of [null, "", "-1", "1.5", "abc", "1, 2", "+3", "0x1", "9999999999999999999"])
			expect({ field, step: maxForwardsStep(field) }).toEqual({ field, step: asItCame });
	});
});
