/**
 * A request without a Host field (HTTP/1.0) on Bun: Bun leaves its URL as sent ("/path"),
 * and withDefaultAuthority gives it the server's own authority (RFC 9112 §3.3), so it is
 * served as a request naming that host would be. Over real sockets, through serveBun; the
 * node's own use of it is in test/node/listen.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type BunServer, serveBun } from "../../edge/runtime/bun.ts";
import { withDefaultAuthority } from "../../edge/runtime/default-authority.ts";
import { rawRequest } from "../proxy/raw-client.ts";

let server: BunServer;
beforeAll(() => {
	server = serveBun(
		async (sent) => {
			const request = withDefaultAuthority(sent, server);
			return Response.json({
				url: request.url,
				method: request.method,
				host: request.headers.get("host"),
				body: await request.text(),
				client: server.clientAddress(request) ?? null,
			});
		},
		{ hostname: "127.0.0.1", port: 0 },
	);
});
afterAll(() => server.drain(0));

const answer = async (head: string) => {
	const raw = await rawRequest(server.url.href, head);
	return { status: raw.status, json: raw.status === 200 ? JSON.parse(raw.body) : raw.body };
};

describe("a request without a Host field", () => {
	test("HTTP/1.0: its target is rebuilt under the server's authority, the client's address kept", async () => {
		const got = await answer("GET /pages/1?a=b HTTP/1.0\r\n\r\n");
		expect(got).toEqual({
			status: 200,
			json: {
				url: `http://127.0.0.1:${server.port}/pages/1?a=b`,
				method: "GET",
				host: null,
				body: "",
				client: "127.0.0.1",
			},
		});
	});

	test("its method, fields and body travel with it", async () => {
		const got = await answer(
			"POST /form HTTP/1.0\r\nX-Seen: yes\r\nContent-Length: 5\r\n\r\nhello",
		);
		expect(got.json).toMatchObject({ url: `http://127.0.0.1:${server.port}/form`, body: "hello" });
	});

	test("a target spelled as a network path keeps the server's authority, not the path's", async () => {
		const got = await answer("GET //elsewhere.test/x HTTP/1.0\r\n\r\n");
		expect(got.json).toMatchObject({ url: `http://127.0.0.1:${server.port}//elsewhere.test/x` });
	});

	test("a request with Host is left as Bun made it", async () => {
		const got = await answer("GET /p HTTP/1.1\r\nHost: cdn.test\r\nConnection: close\r\n\r\n");
		expect(got.json).toMatchObject({
			url: "http://cdn.test/p",
			host: "cdn.test",
			client: "127.0.0.1",
		});
	});

	test("HTTP/1.1 without Host stays a 400 (RFC 9112 §3.2), refused by Bun before any handler", async () => {
		const got = await answer("GET /p HTTP/1.1\r\nConnection: close\r\n\r\n");
		expect(got.status).toBe(400);
	});
});
