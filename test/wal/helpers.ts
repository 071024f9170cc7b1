import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WalCorruptError } from "../../cluster/wal/errors.ts";
import type { WalLogger, WalLogLevel } from "../../cluster/wal/logger.ts";
import type { Entry } from "../../cluster/wal/types.ts";

export function bytes(text: string): Uint8Array {
	return new TextEncoder().encode(text);
}

export function text(data: Uint8Array): string {
	return new TextDecoder().decode(data);
}

/** Entries `from..to` in `term`, each holding "<index>@<term>". */
export function entries(from: number, to: number, term: number): Entry[] {
	const out: Entry[] = [];
	for (let index = from; index <= to; index++) {
		out.push({ index, term, data: bytes(`${index}@${term}`) });
	}
	return out;
}

/** Entries as [index, term, text] triples, easy to compare. */
export function triples(list: readonly Entry[]): [number, number, string][] {
	return list.map((e) => [e.index, e.term, text(e.data)]);
}

export class LogLines {
	readonly lines: { level: WalLogLevel; message: string }[] = [];
	readonly log: WalLogger = (level, message) => {
		this.lines.push({ level, message });
	};
	at(level: WalLogLevel): string[] {
		return this.lines.filter((l) => l.level === level).map((l) => l.message);
	}
}

/** A fresh directory under the system temp dir; `cleanup` removes it. */
export function tempDir(): { path: string; cleanup: () => void } {
	const path = mkdtempSync(join(tmpdir(), "neuro-wal-"));
	return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** The WalCorruptError `f` throws; fails the test if it throws anything else or nothing. */
export function corruption(f: () => unknown): WalCorruptError {
	try {
		f();
	} catch (error) {
		if (error instanceof WalCorruptError) return error;
		throw error;
	}
	throw new Error("expected a WalCorruptError");
}
