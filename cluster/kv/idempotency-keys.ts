/**
 * Retried counter steps applied once: a client names a step with an `Idempotency-Key`
 * header (draft-ietf-httpapi-idempotency-key-header), and a node that has applied a step
 * under that key answers a repeat with the first answer instead of counting again.
 *
 * A counter step lands in the replica of the node that takes it (a CRDT counter counts per
 * node), so the table is that node's own: a retry sent to another node, or to this one after
 * a restart, counts again. It holds the last MAX_IDEMPOTENCY_KEYS keys, oldest forgotten
 * first, so a retry is recognised while its key is among those.
 */

export const MAX_IDEMPOTENCY_KEYS = 100_000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 256;

/** What a key stood for: the step it named and the value that step answered. */
export interface RememberedStep {
	/** The request the key was first sent with: a repeat must be the same request. */
	readonly fingerprint: string;
	readonly value: number;
}

/**
 * The key a header gives, or why it is refused. The draft makes it a structured-field
 * string (`"abc"`); a bare token is taken too. Printable ASCII, 1-256 characters.
 */
export function parseIdempotencyKey(
	header: string | null,
): { ok: true; key: string | undefined } | { ok: false; message: string } {
	if (header === null) return { ok: true, key: undefined };
	const trimmed = header.trim();
	const key =
		trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')
			? trimmed.slice(1, -1)
			: trimmed;
	if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key))
		return {
			ok: false,
			message: `Idempotency-Key must be 1-${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters without spaces`,
		};
	return { ok: true, key };
}

export class IdempotencyKeys {
	readonly #steps = new Map<string, RememberedStep>();

	constructor(private readonly limit = MAX_IDEMPOTENCY_KEYS) {}

	get size(): number {
		return this.#steps.size;
	}

	get(key: string): RememberedStep | undefined {
		return this.#steps.get(key);
	}

	remember(key: string, step: RememberedStep): void {
		if (this.#steps.size >= this.limit) {
			const oldest = this.#steps.keys().next().value as string;
			this.#steps.delete(oldest);
		}
		this.#steps.set(key, step);
	}
}
