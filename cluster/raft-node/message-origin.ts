/**
 * Whether a Raft message came from whom it says. The transport knows which peer a
 * connection belongs to (from its handshake, authenticated when the cluster has a secret);
 * the message names its own `from` and `to`. The core trusts `from` (votes, acknowledgements
 * and leadership are all counted by it), so a message whose fields disagree with its
 * connection is dropped: else one member could vote or acknowledge in another's name.
 */
import type { NodeId } from "../raft/messages.ts";

/** Undefined when the message may be stepped; else why it is dropped. */
export function misattribution(
	connectionPeer: NodeId,
	self: NodeId,
	message: { readonly from: NodeId; readonly to: NodeId; readonly type: string },
): string | undefined {
	if (message.from !== connectionPeer)
		return `a ${message.type} from node ${connectionPeer}'s connection names node ${message.from} as its sender`;
	if (message.to !== self)
		return `a ${message.type} from node ${connectionPeer} is addressed to node ${message.to}, not this node`;
	return undefined;
}
