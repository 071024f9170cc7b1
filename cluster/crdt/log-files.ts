/**
 * The CRDT log's files and their bytes. Pure. The framing is the control plane's WAL
 * (cluster/wal): a 32-byte segment header, then CRC'd records; snapshots use its snapshot
 * file format. Only the payloads are ours: a record's data, and a snapshot's, is the JSON
 * of wire items `{ t: "d", key, kind, state }` (wire.ts), read back through the same
 * validation as items from the network.
 *
 *   crdt-<gen>.snap   the whole store as of the start of generation <gen>
 *   crdt-<gen>.log    the deltas written since that snapshot (record index 1, 2, ...)
 *
 * Generations (16 hex digits) only grow. A new one starts at every open and whenever the
 * log outgrows its bound: snapshot first, then its empty log, then the old pair removed.
 */

import { crc32 } from "../wal/crc32.ts";
import { WalCorruptError } from "../wal/errors.ts";
import { encodeRecords } from "../wal/record.ts";
import { encodeSegmentHeader } from "../wal/segment-header.ts";
import { decodeSnapshotFile, encodeSnapshotFile } from "../wal/snapshot-file.ts";
import type { Kinded } from "./kinds.ts";
import { parseItem } from "./wire.ts";

const LOG = /^crdt-([0-9a-f]{16})\.log$/;
const SNAPSHOT = /^crdt-([0-9a-f]{16})\.snap$/;

export type KeyedState = { readonly key: string } & Kinded;

function hex(n: number): string {
	return n.toString(16).padStart(16, "0");
}

export function logName(gen: number): string {
	return `crdt-${hex(gen)}.log`;
}

export function snapshotFileName(gen: number): string {
	return `crdt-${hex(gen)}.snap`;
}

function parseGen(pattern: RegExp, name: string): number | undefined {
	const match = pattern.exec(name);
	if (!match?.[1]) return undefined;
	const gen = Number.parseInt(match[1], 16);
	return Number.isSafeInteger(gen) ? gen : undefined;
}

export const logGen = (name: string): number | undefined => parseGen(LOG, name);
export const snapshotGen = (name: string): number | undefined => parseGen(SNAPSHOT, name);

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function encodeStates(states: readonly KeyedState[]): Uint8Array {
	return encoder.encode(JSON.stringify(states.map((s) => ({ t: "d", ...s }))));
}

/** The states a record or snapshot holds, or why its (checksummed) bytes are not ours. */
export function decodeStates(data: Uint8Array): KeyedState[] | string {
	let raw: unknown;
	try {
		raw = JSON.parse(decoder.decode(data));
	} catch (error) {
		return `payload is not JSON: ${String(error)}`;
	}
	if (!Array.isArray(raw)) return "payload is not an array of states";
	const out: KeyedState[] = [];
	for (const item of raw) {
		const parsed = parseItem(item);
		if (!parsed.ok) return parsed.reason;
		if (parsed.item.t !== "d") return `unexpected item ${parsed.item.t}`;
		const { t: _, ...state } = parsed.item;
		out.push(state);
	}
	return out;
}

export function encodeLogHeader(gen: number): Uint8Array {
	return encodeSegmentHeader({ seq: gen, firstIndex: 1 });
}

/** One record holding `states`, the `index`-th of generation `gen`'s log. */
export function encodeLogRecord(
	gen: number,
	index: number,
	states: readonly KeyedState[],
): Uint8Array {
	return encodeRecords([
		{ type: "entry", entry: { index, term: gen, data: encodeStates(states) } },
	]);
}

export function encodeSnapshot(gen: number, states: readonly KeyedState[]): Uint8Array {
	const data = encodeStates(states);
	return encodeSnapshotFile({ index: gen, term: 0, data }, crc32(data));
}

/** A snapshot file's states; throws WalCorruptError naming the file when it is not whole. */
export function decodeSnapshot(name: string, gen: number, bytes: Uint8Array): KeyedState[] {
	const decoded = decodeSnapshotFile(bytes);
	if (typeof decoded === "string") throw new WalCorruptError(name, 0, decoded);
	if (decoded.snapshot.index !== gen) {
		throw new WalCorruptError(
			name,
			0,
			`holds generation ${decoded.snapshot.index}, its name says ${gen}`,
		);
	}
	const states = decodeStates(decoded.snapshot.data);
	if (typeof states === "string") throw new WalCorruptError(name, 40, states);
	return states;
}
