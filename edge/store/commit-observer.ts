import type { CommitResult, ObjectWriter, WriteRefusal } from "./storage.ts";

/**
 * A writer that tells `afterCommit` what its first commit() gave, so a tier can count a
 * refusal, or discard an older copy, without the writer knowing of either.
 */
export class CommitObserver implements ObjectWriter {
	#observed = false;

	constructor(
		private readonly inner: ObjectWriter,
		private readonly afterCommit: (result: CommitResult) => void,
	) {}

	get refused(): WriteRefusal | undefined {
		return this.inner.refused;
	}

	get overtaken(): boolean {
		return this.inner.overtaken;
	}

	bodySoFar(): Uint8Array | undefined {
		return this.inner.bodySoFar?.();
	}

	write(chunk: Uint8Array): void {
		this.inner.write(chunk);
	}

	commit(): CommitResult {
		const result = this.inner.commit();
		if (!this.#observed) {
			this.#observed = true;
			this.afterCommit(result);
		}
		return result;
	}

	abort(): void {
		this.inner.abort();
	}
}

/**
 * Whether a commit's result counts among a tier's refusals (TierStats.refusals): a lack of
 * room or a size, not a write given up or discarded by a purge.
 */
export function isRefusal(result: CommitResult): boolean {
	return !result.stored && result.reason !== "aborted" && result.reason !== "purged-during-fill";
}
