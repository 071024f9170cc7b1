/**
 * Binds gossip's two sockets, TCP and UDP, on one port number. With port 0 the TCP
 * listener picks a free port, but that number may already be taken for UDP (by another
 * process, or by a DNS lookup's source port), so a picked pair is tried again on a new
 * number. A port the operator named is tried once: taking another would break the
 * address others were told.
 */

export interface StoppableListener {
	readonly port: number;
	stop(closeActiveConnections?: boolean): void;
}

export interface PairBinders<Tcp extends StoppableListener, Udp> {
	readonly listenTcp: (port: number) => Tcp;
	readonly bindUdp: (port: number) => Promise<Udp>;
}

/** How many picked port numbers are tried before the last failure is reported. */
export const PICKED_PORT_ATTEMPTS = 8;

export async function bindPortPair<Tcp extends StoppableListener, Udp>(
	port: number,
	binders: PairBinders<Tcp, Udp>,
): Promise<{ tcp: Tcp; udp: Udp }> {
	const attempts = port === 0 ? PICKED_PORT_ATTEMPTS : 1;
	let lastError: unknown;
	for (let attempt = 1; attempt <= attempts; attempt++) {
		const tcp = binders.listenTcp(port);
		try {
			return { tcp, udp: await binders.bindUdp(tcp.port) };
		} catch (error) {
			tcp.stop(true);
			lastError = error;
		}
	}
	const detail = lastError instanceof Error ? lastError.message : String(lastError);
	const tried = port === 0 ? `${attempts} picked ports` : `port ${port}`;
	throw new Error(`gossip could not bind UDP beside its TCP listener (${tried}): ${detail}`, {
		cause: lastError,
	});
}
