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
		const tcp = listenTcpOrSay(binders, port);
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

/**
 * The TCP listener, or an error naming the port: the runtime's own says only "Failed to
 * listen at 127.0.0.1", which leaves an operator to guess which of a node's ports it was.
 */
function listenTcpOrSay<Tcp extends StoppableListener, Udp>(
	binders: PairBinders<Tcp, Udp>,
	port: number,
): Tcp {
	try {
		return binders.listenTcp(port);
	} catch (error) {
		const detail = error instanceof Error ? error.message : String(error);
		const which = port === 0 ? "a picked port" : `port ${port}`;
		throw new Error(`gossip could not listen for TCP (${which}): ${detail}`, { cause: error });
	}
}
