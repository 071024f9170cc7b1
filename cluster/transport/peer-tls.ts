/**
 * TLS for the Raft transport (the cluster file's peerTls): each node listens with its own
 * certificate and key, and dials its peers trusting only `ca`, with the host name or IP it
 * dials checked against the peer certificate's names. Encryption on top of the cluster
 * secret's challenge-response, which still proves the peer is a member of this POP.
 */
export interface PeerTls {
	/** PEM: this node's certificate (chain), presented to the peers that dial it. */
	readonly cert: string;
	readonly key: string;
	/** PEM: the authority every peer certificate must chain to. */
	readonly ca: string;
}
