/**
 * Group commit: saves submitted while a flush is under way wait and go out together in the
 * next flush, so N concurrent savers cost one write and one fsync, not N. A save resolves
 * only after the flush that carried it returned. Saves submitted in the same tick are
 * gathered too (the first flush starts on a microtask).
 *
 * A failed flush rejects its saves and every later one: after a failed fsync the data on
 * disk is unknown, so the log must not pretend that later writes land after good ones.
 */
import { WalFailedError } from "./errors.ts";

interface Pending<T> {
	readonly item: T;
	readonly resolve: () => void;
	readonly reject: (error: unknown) => void;
}

export class GroupCommit<T> {
	private queue: Pending<T>[] = [];
	private running: Promise<void> | undefined;
	private failure: WalFailedError | undefined;
	/** Flushes done so far (what a test or a benchmark counts). */
	flushes = 0;

	constructor(private readonly flush: (items: readonly T[]) => Promise<void>) {}

	get failed(): WalFailedError | undefined {
		return this.failure;
	}

	submit(item: T): Promise<void> {
		if (this.failure) return Promise.reject(this.failure);
		return new Promise<void>((resolve, reject) => {
			this.queue.push({ item, resolve, reject });
			this.running ??= this.run();
		});
	}

	/** Resolves once everything submitted so far has been flushed (or has failed). */
	async idle(): Promise<void> {
		while (this.running) await this.running;
	}

	private async run(): Promise<void> {
		await Promise.resolve();
		while (this.queue.length > 0) {
			const batch = this.queue;
			this.queue = [];
			if (this.failure) {
				for (const p of batch) p.reject(this.failure);
				continue;
			}
			try {
				this.flushes++;
				await this.flush(batch.map((p) => p.item));
				for (const p of batch) p.resolve();
			} catch (error) {
				this.failure = error instanceof WalFailedError ? error : new WalFailedError(error);
				for (const p of batch) p.reject(this.failure);
			}
		}
		this.running = undefined;
	}
}
