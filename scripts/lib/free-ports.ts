/**
 * Loopback ports that were free a moment ago, for processes that must know each other's
 * addresses before they start (a cluster file names every member's ports).
 *
 * They are chosen outside the kernel's ephemeral range. A port the kernel gave a listener
 * on port 0 is one it may hand to the next outgoing connection as its source port once
 * the listener closes: under load (a test suite opening thousands of connections) the
 * process started on it later lost that race and failed with EADDRINUSE. Ports below the
 * range are never given out unasked, so only another listener can take one. Each is held
 * until all are chosen, so the N are distinct. Callers that can listen on port 0 should.
 */
import { readFileSync } from "node:fs";

export interface PortSpan {
	readonly from: number;
	readonly to: number;
}

/** Linux's default ephemeral range; macOS and the BSDs use 49152-65535. */
const DEFAULT_EPHEMERAL: PortSpan = { from: 32768, to: 60999 };
const LOWEST_CHOSEN = 10_000;
const ENOUGH = 2_000;

/** `/proc/sys/net/ipv4/ip_local_port_range` ("32768\t60999"), or the default if unreadable. */
export function parseEphemeralRange(text: string | undefined): PortSpan {
	const match = /^\s*(\d+)\s+(\d+)\s*$/.exec(text ?? "");
	if (match === null) return DEFAULT_EPHEMERAL;
	const [from, to] = [Number(match[1]), Number(match[2])];
	return from >= 1 && from <= to && to <= 65_535 ? { from, to } : DEFAULT_EPHEMERAL;
}

/** Where to choose: below the ephemeral range, else above it; undefined when neither has room. */
export function spanOutside(ephemeral: PortSpan): PortSpan | undefined {
	if (ephemeral.from - LOWEST_CHOSEN >= ENOUGH)
		return { from: LOWEST_CHOSEN, to: ephemeral.from - 1 };
	if (65_535 - ephemeral.to >= ENOUGH) return { from: ephemeral.to + 1, to: 65_535 };
	return undefined;
}

/** This machine's ephemeral range, or the default where it cannot be read. */
export function readEphemeralRange(): PortSpan {
	try {
		return parseEphemeralRange(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8"));
	} catch {
		return DEFAULT_EPHEMERAL;
	}
}

type Held = Bun.TCPSocketListener<undefined>;

function tryHold(port: number): Held | undefined {
	try {
		return Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } });
	} catch {
		return undefined; // taken (EADDRINUSE): try another
	}
}

export function freeLoopbackPorts(count: number, random: () => number = Math.random): number[] {
	const span = spanOutside(readEphemeralRange());
	const held: Held[] = [];
	try {
		for (let attempt = 0; span !== undefined && held.length < count && attempt < count * 50; ) {
			attempt++;
			const port = span.from + Math.floor(random() * (span.to - span.from + 1));
			if (held.some((listener) => listener.port === port)) continue;
			const listener = tryHold(port);
			if (listener !== undefined) held.push(listener);
		}
		// No room outside the range, or it is crowded: what the kernel gives is the fallback.
		while (held.length < count) {
			const listener = tryHold(0);
			if (listener === undefined) throw new Error("no free loopback port");
			held.push(listener);
		}
		return held.map((listener) => listener.port);
	} finally {
		for (const listener of held) listener.stop(true);
	}
}
