import { describe, expect, test } from "bun:test";
import { parseSettings, SettingsError } from "../../edge/runtime/settings.ts";

describe("adapter settings from the environment", () => {
	test("defaults around a required origin", () => {
		expect(parseSettings({ NEURO_ORIGIN: "http://127.0.0.1:9000", PATH: "/bin" })).toEqual({
			origin: "http://127.0.0.1:9000",
			host: "127.0.0.1",
			port: 8080,
			memoryMb: 64,
			adminToken: undefined,
			pop: "local",
		});
	});

	test("every variable read, numbers parsed, empty strings taken as unset", () => {
		const settings = parseSettings({
			NEURO_ORIGIN: "https://origin.example.com",
			NEURO_HOST: "0.0.0.0",
			NEURO_PORT: "0",
			NEURO_MEMORY_MB: "32",
			NEURO_ADMIN_TOKEN: "s3cret",
			NEURO_POP: "",
		});
		expect(settings).toEqual({
			origin: "https://origin.example.com",
			host: "0.0.0.0",
			port: 0,
			memoryMb: 32,
			adminToken: "s3cret",
			pop: "local",
		});
	});

	test.each([
		[{}, /^NEURO_ORIGIN: is required/],
		[{ NEURO_ORIGIN: "origin.example.com" }, /^NEURO_ORIGIN: /],
		[{ NEURO_ORIGIN: "ftp://origin.example.com" }, /^NEURO_ORIGIN: .*http/],
		[{ NEURO_ORIGIN: "http://o.example/?q=1" }, /^NEURO_ORIGIN: .*query/],
		[{ NEURO_ORIGIN: "http://o.example", NEURO_PORT: "80a" }, /^NEURO_PORT: /],
		[{ NEURO_ORIGIN: "http://o.example", NEURO_PORT: "70000" }, /^NEURO_PORT: must be 0-65535/],
		[{ NEURO_ORIGIN: "http://o.example", NEURO_MEMORY_MB: "0" }, /^NEURO_MEMORY_MB: /],
		[{ NEURO_ORIGIN: "http://o.example", NEURO_POP: "x".repeat(65) }, /^NEURO_POP: /],
	])("refuses %j, naming the variable", (env, message) => {
		expect(() => parseSettings(env)).toThrow(SettingsError);
		expect(() => parseSettings(env)).toThrow(message);
	});
});
