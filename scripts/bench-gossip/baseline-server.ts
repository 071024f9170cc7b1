/**
 * The HTTP baseline for the increments benchmark: a bare Bun.serve on loopback that answers
 * every POST with a tiny JSON counter answer (the same shape as ours) and does nothing else.
 * Prints its port on stdout.
 */
let value = 0;
const server = Bun.serve({
	hostname: "127.0.0.1",
	port: 0,
	fetch(request) {
		if (request.method !== "POST") return new Response("method", { status: 405 });
		value += 1;
		return Response.json({ name: "bench", value });
	},
});
console.log(server.port);
const stop = () => {
	server.stop(true);
	process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
