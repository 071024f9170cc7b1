/** A gossip plane for the CRDT routes in process: a real store, no members, no traffic. */
import { CrdtStore } from "../../cluster/crdt/store.ts";
import type { GossipView } from "../../cluster/kv/crdt-routes.ts";

const NO_TRAFFIC = {
	packetsIn: 0,
	packetsOut: 0,
	bytesIn: 0,
	bytesOut: 0,
	pushPullBytesIn: 0,
	pushPullBytesOut: 0,
};

export function quietGossipView(store = new CrdtStore({ replica: "n1.1", clock: () => 1_000 })) {
	const view: GossipView = { self: 1, store, members: () => [], traffic: () => NO_TRAFFIC };
	return { view, store };
}
