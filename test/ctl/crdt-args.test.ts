/**
 * neuroctl's gossip and CRDT commands: `incr`/`decr NAME [N]`, `set NAME VALUE`,
 * `get NAME --counter|--register`, `members --gossip`, parsed beside the KV's `get KEY` and
 * the configuration's `members`; every bad form is a UsageError (exit 2 from the CLI).
 */
import { describe, expect, test } from "bun:test";
import { parseCtlArgs, UsageError } from "../../cluster/ctl/args.ts";
import { runCtl } from "../node/node-process.ts";

const command = (...argv: string[]) => parseCtlArgs(argv, {}).command;
const refused = (...argv: string[]) => {
	try {
		parseCtlArgs(argv, {});
	} catch (error) {
		if (error instanceof UsageError) return error.message;
		throw error;
	}
	throw new Error("expected a usage error");
};

describe("neuroctl CRDT arguments", () => {
	test("each command's shape", () => {
		expect(command("incr", "hits")).toEqual({
			kind: "counter-step",
			direction: "incr",
			name: "hits",
			by: 1,
		});
		expect(command("decr", "hits:pop-ams", "7")).toEqual({
			kind: "counter-step",
			direction: "decr",
			name: "hits:pop-ams",
			by: 7,
		});
		expect(command("get", "hits", "--counter")).toEqual({ kind: "counter-get", name: "hits" });
		expect(command("set", "motd", "hello world")).toEqual({
			kind: "register-set",
			name: "motd",
			value: "hello world",
		});
		expect(command("get", "motd", "--register")).toEqual({ kind: "register-get", name: "motd" });
		expect(command("members", "--gossip")).toEqual({ kind: "gossip-members" });
		// The KV's and the configuration's own forms are unchanged.
		expect(command("get", "hits")).toEqual({ kind: "get", key: "hits" });
		expect(command("members")).toEqual({ kind: "members" });
	});

	test("bad arguments are refused with the reason", () => {
		expect(refused("incr")).toBe("expected: incr NAME [N]");
		expect(refused("decr", "a", "1", "2")).toBe("expected: decr NAME [N]");
		expect(refused("incr", "a", "0")).toBe("N: by must be at least 1");
		expect(refused("incr", "a", "--", "-3")).toBe("N: N must be a whole number");
		expect(refused("incr", "a", "1.5")).toBe("N: N must be a whole number");
		expect(refused("incr", "a", "1000000001")).toBe("N: by must be at most 1000000000");
		expect(refused("incr", "no spaces")).toBe(
			"NAME: name may hold only letters, digits and . _ : -",
		);
		expect(refused("incr", "x".repeat(129))).toBe("NAME: name must be at most 128 characters");
		expect(refused("incr", "")).toBe("NAME: name must not be empty");
		expect(refused("set", "motd")).toBe("expected: set NAME VALUE");
		expect(refused("set", "motd", "é".repeat(257))).toBe(
			"VALUE: value must be at most 512 bytes (UTF-8)",
		);
		expect(refused("get", "a b", "--counter")).toMatch(/^NAME: /);
		expect(refused("get", "--counter")).toBe("expected: get NAME --counter");
		expect(refused("get", "a", "b", "--register")).toBe("expected: get NAME --register");
		expect(refused("get", "a", "--counter", "--register")).toBe(
			"get takes --counter or --register, not both",
		);
		expect(refused("incr", "a", "--counter")).toBe("--counter and --register only go with get");
		expect(refused("put", "a", "b", "--register")).toBe(
			"--counter and --register only go with get",
		);
		expect(refused("members", "list", "--gossip")).toBe("expected: members --gossip");
		expect(refused("status", "--gossip")).toBe("--gossip only goes with members");
	});

	test("the CLI exits 2 with the usage on a bad CRDT command", async () => {
		const run = await runCtl(["incr", "a", "zero"]);
		expect(run.code).toBe(2);
		expect(run.stderr).toContain("neuroctl: N: N must be a whole number");
		expect(run.stderr).toContain("get NAME --counter");
	});
});
