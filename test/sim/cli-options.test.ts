import { describe, expect, test } from "bun:test";
import { CliUsageError, parseSimOptions, replayCommand } from "../../scripts/sim/cli-options.ts";

describe("npm run sim flags", () => {
	test("defaults: 100 seeds from 1; --seed alone replays one seed", () => {
		expect(parseSimOptions([])).toEqual({ seed: 1, seeds: 100, trace: false, pipelined: false });
		expect(parseSimOptions(["--seed", "291"])).toEqual({
			seed: 291,
			seeds: 1,
			trace: false,
			pipelined: false,
		});
		expect(parseSimOptions(["--seeds", "10000", "--seed", "5", "--trace"])).toEqual({
			seed: 5,
			seeds: 10_000,
			trace: true,
			pipelined: false,
		});
	});

	test("bad flags are refused with the reason", () => {
		expect(() => parseSimOptions(["--seeds", "0"])).toThrow("--seeds must be at least 1");
		expect(() => parseSimOptions(["--seeds", "ten"])).toThrow("--seeds must be a whole number");
		expect(() => parseSimOptions(["--seed", "-1"])).toThrow(CliUsageError);
		expect(() => parseSimOptions(["--fast"])).toThrow(CliUsageError);
		expect(() => parseSimOptions(["extra"])).toThrow(CliUsageError);
		expect(() => parseSimOptions(["--seed", "1", "--seed", "2"])).toThrow(
			"--seed given more than once",
		);
	});

	test("the replay command names the seed", () => {
		expect(replayCommand(42)).toBe("npm run sim -- --seed 42 --trace");
		expect(replayCommand(42, true)).toBe("npm run sim -- --seed 42 --trace --pipelined");
		expect(parseSimOptions(["--pipelined"]).pipelined).toBe(true);
		expect(parseSimOptions(["--max-sessions", "2"]).maxSessions).toBe(2);
		expect(() => parseSimOptions(["--max-sessions", "0"])).toThrow("at least 1");
		expect(replayCommand(42, false, 2)).toBe("npm run sim -- --seed 42 --trace --max-sessions 2");
	});
});
