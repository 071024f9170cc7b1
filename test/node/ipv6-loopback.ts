/** Whether this machine has IPv6 loopback (some containers have none): IPv6 tests skip without. */
export function hasIpv6Loopback(): boolean {
	try {
		Bun.listen({ hostname: "::1", port: 0, socket: { data() {} } }).stop(true);
		return true;
	} catch {
		return false;
	}
}
