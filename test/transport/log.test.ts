import { describe, expect, spyOn, test } from "bun:test";
import { stderrLogger } from "../../cluster/transport/log.ts";

describe("stderrLogger", () => {
	test("writes LEVEL scope: line at and above its level only", () => {
		const write = spyOn(process.stderr, "write").mockImplementation(() => true);
		try {
			const log = stderrLogger("info", "transport 1");
			expect(log.enabled("debug")).toBe(false);
			expect(log.enabled("warn")).toBe(true);
			log.log("debug", "hidden");
			log.log("info", "peer 2 up");
			log.log("warn", "bad frame");
			expect(write.mock.calls.map((c) => c[0])).toEqual([
				"INFO transport 1: peer 2 up\n",
				"WARN transport 1: bad frame\n",
			]);
		} finally {
			write.mockRestore();
		}
	});
});
