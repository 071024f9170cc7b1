/**
 * Loopback ports that were free a moment ago: each is held until all are chosen, so the N
 * are distinct. A process started on one afterwards may still lose a race for it; callers
 * that can listen on port 0 themselves should.
 */
export function freeLoopbackPorts(count: number): number[] {
	const held = Array.from({ length: count }, () =>
		Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } }),
	);
	const ports = held.map((listener) => listener.port);
	for (const listener of held) listener.stop(true);
	return ports;
}
