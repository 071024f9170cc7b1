/**
 * Web cache poisoning by unkeyed fields: a client's X-Forwarded-Host (and its kin, which
 * origins take over the host, scheme, path or method) must not reach the origin on a
 * request whose answer may be stored, or one client chooses what every other client of the
 * page gets. Over real HTTP, against a raw origin that reflects X-Forwarded-Host into
 * absolute URLs, as frameworks that trust it do.
 */
import { describe, expect, test } from "bun:test";
import { UNKEYED_OVERRIDE_FIELDS } from "../../edge/http/unkeyed-overrides.ts";
import { field, type RawExchange } from "./raw-origin.ts";
import { rawOriginEdges } from "./served-edge.ts";

const { start } = rawOriginEdges({ startMs: 0, originTimeoutMs: 1000 });

/** A page whose script URL is built from X-Forwarded-Host, else Host. */
const reflecting = (ex: RawExchange) => {
	const host = field(ex.head, "x-forwarded-host") ?? field(ex.head, "host");
	const body = `<script src="https://${host}/app.js"></script>`;
	ex.write(
		`HTTP/1.1 200 OK\r\nCache-Control: max-age=600\r\nContent-Type: text/html\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
	);
};

/** Every override field, set to what an attacker would send. */
const poisoned = (): Record<string, string> => ({
	...Object.fromEntries(UNKEYED_OVERRIDE_FIELDS.map((name) => [name, "evil"])),
	"x-forwarded-host": "evil.example",
	"x-forwarded-proto": "https",
	forwarded: "host=evil.example;proto=https",
	"x-original-url": "/admin",
	"x-http-method-override": "DELETE",
	"x-forwarded-for": "192.0.2.7",
});

describe("override fields on a request whose answer may be stored", () => {
	test("an X-Forwarded-Host the origin reflects cannot poison the page other clients get", async () => {
		const { origin, edge } = start({ "/": reflecting });
		const attacker = await fetch(`${edge.url}/`, {
			headers: { "x-forwarded-host": "evil.example" },
		});
		expect(await attacker.text()).not.toContain("evil.example");
		const victim = await fetch(`${edge.url}/`);
		expect(victim.headers.get("cache-status")).toMatch(/hit/);
		expect(await victim.text()).not.toContain("evil.example");
		expect(origin.heads("/")).toHaveLength(1);
	});

	for (const method of ["GET", "HEAD"]) {
		test(`a ${method} reaches the origin without any of them; X-Forwarded-Proto is the keyed scheme`, async () => {
			const { origin, edge } = start({ "/page": reflecting });
			await (await fetch(`${edge.url}/page`, { method, headers: poisoned() })).arrayBuffer();
			const head = origin.heads("/page")[0] ?? "";
			const left = UNKEYED_OVERRIDE_FIELDS.filter(
				(name) => name !== "x-forwarded-proto" && field(head, name) !== undefined,
			);
			expect(left).toEqual([]);
			// The edge was reached over http: that is what the answer is keyed under.
			expect(field(head, "x-forwarded-proto")).toBe("http");
			// X-Forwarded-For names a client, not the resource: it passes as sent.
			expect(field(head, "x-forwarded-for")).toBe("192.0.2.7");
		});
	}
});

describe("override fields on an unsafe method", () => {
	test("pass as the client sent them: its answer is never stored", async () => {
		const { origin, edge } = start({ "/form": reflecting });
		await (
			await fetch(`${edge.url}/form`, { method: "POST", body: "x", headers: poisoned() })
		).text();
		const head = origin.heads("/form")[0] ?? "";
		expect(field(head, "x-forwarded-host")).toBe("evil.example");
		expect(field(head, "x-http-method-override")).toBe("DELETE");
		expect(field(head, "forwarded")).toBe("host=evil.example;proto=https");
	});
});
