/** The log's failures as typed errors, each naming what the caller needs to act on. */

/** A segment holds bytes that are not what the log wrote: never repaired silently. */
export class WalCorruptError extends Error {
	override readonly name = "WalCorruptError";
	constructor(
		readonly file: string,
		readonly offset: number,
		readonly reason: string,
	) {
		super(`${file} at offset ${offset}: ${reason}`);
	}
}

/** The snapshot the log refers to is missing or is not the one the log recorded. */
export class WalSnapshotError extends Error {
	override readonly name = "WalSnapshotError";
	constructor(
		readonly file: string,
		readonly reason: string,
	) {
		super(`${file}: ${reason}`);
	}
}

/**
 * The log's directory cannot be used: it cannot be created (a parent is a file, or on a
 * read-only filesystem), it is a file, or it or a file in it cannot be read or written.
 * Raised by `Wal.open` before anything is recovered or written.
 */
export class WalDirError extends Error {
	override readonly name = "WalDirError";
	constructor(
		readonly dir: string,
		override readonly cause: NodeJS.ErrnoException,
	) {
		super(`cannot use ${dir} as the log directory: ${cause.message}`);
	}
}

/** The caller asked for something the log cannot record (a gap, a bad number...). Nothing was written. */
export class WalUsageError extends Error {
	override readonly name = "WalUsageError";
}

/** The log was closed; nothing more is accepted. */
export class WalClosedError extends Error {
	override readonly name = "WalClosedError";
	constructor() {
		super("the write-ahead log is closed");
	}
}

/**
 * A write or fsync failed. After a failed fsync the kernel may have dropped the dirty pages,
 * so what is on disk is unknown: the log refuses everything from then on, and the process
 * should restart and recover from the files.
 */
export class WalFailedError extends Error {
	override readonly name = "WalFailedError";
	constructor(override readonly cause: unknown) {
		super(`the write-ahead log failed and accepts nothing more: ${String(cause)}`);
	}
}

/** Another open log (this process or another, by pid) holds the directory. */
export class WalLockedError extends Error {
	override readonly name = "WalLockedError";
	constructor(
		readonly lockFile: string,
		readonly pid: number | undefined,
	) {
		super(
			pid === undefined
				? `${lockFile} could not be taken`
				: `${lockFile} is held by process ${pid}; if that process is not a NeuroCache node, remove the file`,
		);
	}
}
