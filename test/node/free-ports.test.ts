/**
 * The ports the cluster tests and benchmarks give their processes: outside the range the
 * kernel hands to outgoing connections, so a port chosen now is still free when the process
 * that was told it starts listening.
 */
import { afterEach, describe, expect, test } from "bun:test";
import {
	freeLoopbackPorts,
	parseEphemeralRange,
	readEphemeralRange,
	spanOutside,
} from "../../scripts/lib/free-ports.ts";

describe("the kernel's ephemeral range", () => {
	test("is read from ip_local_port_range's two numbers", () => {
		expect(parseEphemeralRange("32768\t60999\n")).toEqual({ from: 32768, to: 60999 });
		expect(parseEphemeralRange("49152 65535")).toEqual({ from: 49152, to: 65535 });
	});

	test.each([
		["absent", undefined],
		["empty", ""],
		["one number", "32768"],
		["reversed", "60999 32768"],
		["past 65535", "32768 70000"],
		["not numbers", "low high"],
	])("%s falls back to Linux's default", (_, text) => {
		expect(parseEphemeralRange(text)).toEqual({ from: 32768, to: 60999 });
	});
});

describe("where ports are chosen", () => {
	test("below the range when it starts high", () => {
		expect(spanOutside({ from: 32768, to: 60999 })).toEqual({ from: 10000, to: 32767 });
	});
	test("above it when it starts low", () => {
		expect(spanOutside({ from: 1024, to: 50000 })).toEqual({ from: 50001, to: 65535 });
	});
	test("nowhere when it covers almost everything", () => {
		expect(spanOutside({ from: 1024, to: 65000 })).toBeUndefined();
	});
});

describe("freeLoopbackPorts", () => {
	const listeners: Bun.TCPSocketListener<undefined>[] = [];
	afterEach(() => {
		for (const listener of listeners.splice(0)) listener.stop(true);
	});

	test("gives distinct ports outside the ephemeral range, each free to listen on", () => {
		const ports = freeLoopbackPorts(8);
		expect(new Set(ports).size).toBe(8);
		for (const port of ports) {
			expect(port < 32768 || port > 60999).toBe(true);
			listeners.push(Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } }));
		}
	});

	test("skips a port already taken and a port drawn twice", () => {
		const taken = freeLoopbackPorts(1)[0] as number;
		listeners.push(Bun.listen({ hostname: "127.0.0.1", port: taken, socket: { data() {} } }));
		// The draws land on `taken` (in use), then twice on one other port, then elsewhere.
		const span = spanOutside(readEphemeralRange()) ?? { from: 10000, to: 32767 };
		const other = taken === span.from ? span.from + 1 : span.from;
		const draws = [taken, other, other, span.to].map(
			(p) => (p - span.from + 0.5) / (span.to - span.from + 1),
		);
		let next = 0;
		const ports = freeLoopbackPorts(2, () => draws[next++] ?? 0.5);
		expect(ports).toEqual([other, span.to]);
	});
});
