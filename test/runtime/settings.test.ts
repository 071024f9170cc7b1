import { describe, expect, test } from "bun:test";
import { parseSettings, SettingsError } from "../../edge/runtime/settings.ts";

describe("adapter settings from the environment", () => {
	test("defaults around a required origin", () => {
		expect(parseSettings({ NEURO_ORIGIN: "http://127.0.0.1:9000", PATH: "/bin" })).toEqual({
			routes: { hosts: {}, default: "http://127.0.0.1:9000" },
			originTimeoutMs: 15_000,
			host: "127.0.0.1",
			port: 8080,
			memoryMb: 64,
			largeMb: 64,
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
			NEURO_LARGE_MB: "0",
			NEURO_ADMIN_TOKEN: "s3cret",
			NEURO_POP: "",
			NEURO_ORIGIN_TIMEOUT_MS: "2500",
		});
		expect(settings).toEqual({
			routes: { hosts: {}, default: "https://origin.example.com" },
			originTimeoutMs: 2500,
			host: "0.0.0.0",
			port: 0,
			memoryMb: 32,
			largeMb: 0,
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
		[{ NEURO_ORIGIN: "http://o.example", NEURO_LARGE_MB: "-1" }, /^NEURO_LARGE_MB: /],
		[
			{ NEURO_ORIGIN: "http://o.example", NEURO_LARGE_MB: "65537" },
			/^NEURO_LARGE_MB: must be 0-65536/,
		],
		[
			{ NEURO_ORIGIN: "http://o.example", NEURO_LARGE_MB: "3" },
			/^NEURO_LARGE_MB: must be 0 \(off\) or at least 5 MiB/,
		],
		[{ NEURO_ORIGIN: "http://o.example", NEURO_POP: "x".repeat(65) }, /^NEURO_POP: /],
		[
			{ NEURO_ORIGIN: "http://o.example", NEURO_ORIGIN_TIMEOUT_MS: "0" },
			/^NEURO_ORIGIN_TIMEOUT_MS: /,
		],
		[
			{ NEURO_ORIGIN: "http://o.example", NEURO_ORIGIN_TIMEOUT_MS: "250001" },
			/^NEURO_ORIGIN_TIMEOUT_MS: must be 1-250000/,
		],
		[{ NEURO_ROUTES: "hosts: {}" }, /^NEURO_ROUTES: not JSON/],
		[{ NEURO_ROUTES: "{}" }, /^NEURO_ROUTES: hosts: is required/],
		[{ NEURO_ROUTES: '{"hosts":{}}' }, /^NEURO_ROUTES: hosts: must name at least one host/],
		[
			{ NEURO_ROUTES: '{"hosts":{"a.example":{"origin":"ftp://x"}}}' },
			/^NEURO_ROUTES: hosts\.a\.example\.origin: must be an http or https URL/,
		],
		[
			{ NEURO_ROUTES: '{"hosts":{"a.example":{"origin":"http://x"}},"cdn":1}' },
			/^NEURO_ROUTES: cdn: unknown field/,
		],
		[
			{
				NEURO_ORIGIN: "http://o.example",
				NEURO_ROUTES: '{"hosts":{"a.example":{"origin":"http://x"}},"default":"http://y"}',
			},
			/^NEURO_ROUTES: default: given twice/,
		],
	])("refuses %j, naming the variable", (env: Record<string, string>, message) => {
		expect(() => parseSettings(env)).toThrow(SettingsError);
		expect(() => parseSettings(env)).toThrow(message);
	});

	test("NEURO_ROUTES routes hosts; NEURO_ORIGIN beside it is the default", () => {
		const document = JSON.stringify({
			hosts: {
				"Static.Example": { origin: "http://10.0.0.5:8080", ignoreQueryParams: ["utm_*"] },
			},
		});
		expect(parseSettings({ NEURO_ROUTES: document }).routes).toEqual({
			hosts: { "static.example": { origin: "http://10.0.0.5:8080", ignoreQueryParams: ["utm_*"] } },
		});
		expect(
			parseSettings({ NEURO_ROUTES: document, NEURO_ORIGIN: "http://o.example" }).routes,
		).toEqual({
			hosts: { "static.example": { origin: "http://10.0.0.5:8080", ignoreQueryParams: ["utm_*"] } },
			default: "http://o.example",
		});
	});
});
