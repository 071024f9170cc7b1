/**
 * The write side of the proxy: whether an origin response may be stored (RFC 9111 §3, via
 * storable.ts), where (a Vary record under the primary key and the variant beside it, §4.1),
 * for how long the tier keeps it, and streaming it into the tier as it goes to the client.
 */
import { codingsAccepted } from "../http/accept-encoding.ts";
import type { RequestCacheControl } from "../http/cache-control.ts";
import { contentLength } from "../http/content-length.ts";
import { freshnessLifetime } from "../http/freshness.ts";
import { partLength } from "../http/partial.ts";
import { purgeTags } from "../http/purge-tags.ts";
import { staleForbiddenBy } from "../http/reuse.ts";
import { fieldsWithheldFromStorage, storability } from "../http/storable.ts";
import { type EffectiveResponseDirectives, effectiveResponseDirectives } from "../http/targeted.ts";
import { parseVary, variantKey } from "../http/vary.ts";
import type { CommitResult, PurgeMark, Storage } from "../store/storage.ts";
import { partKey, VARIANT_SEPARATOR } from "./cache-read.ts";
import { type FillWatch, fillWhileStreaming } from "./fill.ts";
import type { FillHead } from "./fill-feed.ts";
import { encodeStoredResponse, encodeVaryRecord, type StoredResponse } from "./stored-response.ts";
import { variantsListed } from "./variant-list.ts";

/** How long past staleness a response with validators is kept, to revalidate it cheaply. */
const VALIDATOR_GRACE_MS = 3_600_000;

export interface StoreRequest {
	readonly method: string;
	readonly primaryKey: string;
	readonly requestHeaders: Headers;
	readonly request: RequestCacheControl;
	readonly response: Response;
	readonly requestTimeMs: number;
	readonly responseTimeMs: number;
	/** How long past its lifetime a copy may serve an unreachable origin (EdgeConfig). */
	readonly staleIfUnreachableSeconds?: number;
	/** The tier's purge mark when the request went to the origin (Storage.purgeMark). */
	readonly purgeMark?: PurgeMark | undefined;
	/**
	 * Who watches the fill once it is being stored (FillWatch): given its head when others
	 * could follow it (a complete response whose Content-Length is declared), else undefined.
	 */
	readonly watch?: ((head: FillHead | undefined) => FillWatch | undefined) | undefined;
}

export interface StoreOutcome {
	/** What to send the client: the origin's body, tee'd when it is being stored. */
	readonly clientBody: ReadableStream<Uint8Array> | null;
	/** Why not, when the response is not stored. */
	readonly notStored: string | undefined;
	/** Settles when the tier's copy is complete (or refused). */
	readonly stored: Promise<CommitResult | undefined>;
}

export function storeWhileStreaming(tier: Storage, input: StoreRequest): StoreOutcome {
	const { response } = input;
	const skip = (reason: string): StoreOutcome => ({
		clientBody: response.body,
		notStored: reason,
		stored: Promise.resolve(undefined),
	});
	const effective = effectiveResponseDirectives(response.headers);
	const verdict = storability({
		method: input.method,
		status: response.status,
		requestHeaders: input.requestHeaders,
		request: input.request,
		responseHeaders: response.headers,
		effective,
	});
	if (!verdict.storable) return skip(verdict.reason);
	const tags = purgeTags(response.headers);
	if (tags === undefined) return skip("too-many-tags");
	const vary = parseVary(response.headers.get("vary"));
	if (vary.kind === "star") return skip("vary-star");
	const variant = variantKey(vary, input.requestHeaders);
	if (variant === undefined) return skip("vary-star");
	// The variant is keyed by the codings this request accepts, and serves every client
	// that accepts the same: an origin that ignored Accept-Encoding must not put a coding
	// they cannot decode there. This client gets it, as the origin chose; no one else does.
	if (
		vary.kind === "fields" &&
		vary.names.includes("accept-encoding") &&
		!codingsAccepted(
			response.headers.get("content-encoding"),
			input.requestHeaders.get("accept-encoding"),
		)
	)
		return skip("coding-not-accepted");

	const expiresAt = retainUntil(
		response.status,
		response.headers,
		input.responseTimeMs,
		input.staleIfUnreachableSeconds,
		effective,
	);

	let storageKey = input.primaryKey;
	if (vary.kind === "fields") {
		const record = tier.beginWrite(input.primaryKey, {
			expiresAt,
			tags,
			header: encodeVaryRecord({
				vary: vary.names,
				variants: variantsListed(tier, input.primaryKey, vary.names, variant),
			}),
		});
		if (!record.commit().stored) return skip("no-room");
		storageKey = `${input.primaryKey}${VARIANT_SEPARATOR}${variant}`;
	}
	// A 206 is kept as the key's part (one, the latest), beside the complete response; its
	// length is the write's expected size, so a body that disagrees with its Content-Range
	// is refused at commit (length-mismatch). Anything else stored is the complete response,
	// which supersedes the part once it is in.
	const part = verdict.part;
	const completeKey = storageKey;
	if (part !== undefined) storageKey = partKey(storageKey);
	const stored: StoredResponse = {
		status: response.status,
		headers: storedFields(response.headers, effective),
		requestTimeMs: input.requestTimeMs,
		responseTimeMs: input.responseTimeMs,
	};
	const declared = contentLength(response.headers);
	const writer = tier.beginWrite(
		storageKey,
		{ expiresAt, tags, header: encodeStoredResponse(stored) },
		part === undefined ? declared : partLength(part),
		input.purgeMark,
	);
	if (writer.refused !== undefined) return skip(writer.refused);
	const head =
		part === undefined && declared !== undefined
			? { storageKey, stored, vary, variant, length: declared, overtaken: () => writer.overtaken }
			: undefined;
	const fill =
		response.body === null
			? { clientBody: null, stored: Promise.resolve(writer.commit()) }
			: fillWhileStreaming(response.body, writer, input.watch?.(head));
	return {
		clientBody: fill.clientBody,
		notStored: undefined,
		stored: fill.stored.then(
			part === undefined ? supersedePart(tier, completeKey) : yieldToComplete(tier, completeKey),
		),
	};
}

type AfterCommit = (result: CommitResult | undefined) => Promise<CommitResult | undefined>;

/**
 * Once a complete response is stored at `storageKey`, the part beside it goes (RFC 9111
 * §3.3: it is of an older response; the complete one answers every range now). Purged only
 * when there is one: each purge takes a place in the tier's purge history.
 */
function supersedePart(tier: Storage, storageKey: string): AfterCommit {
	return purgePartWhen(tier, partKey(storageKey), storageKey);
}

/**
 * The other half of supersedePart, for the answers that cross: a part whose request left
 * before the complete response's, but whose body committed after it (and after that
 * response looked for a part to purge), would be left beside it, found once the complete
 * one is gone (a tag purge, eviction) and serving bytes of a representation older than the
 * one the cache held. A part is written only when no complete response was found (a stale
 * one is revalidated whole), so one stored meanwhile is no older: the part goes. Each side
 * looks after its own commit, so whichever commits second sees the other.
 */
function yieldToComplete(tier: Storage, completeKey: string): AfterCommit {
	return purgePartWhen(tier, completeKey, completeKey);
}

/**
 * After a commit that stored: purges the part beside `completeKey` if anything is stored at
 * `present` (the part itself, or the complete response).
 */
function purgePartWhen(tier: Storage, present: string, completeKey: string): AfterCommit {
	return async (result) => {
		if (result?.stored !== true) return result;
		try {
			if ((await tier.keys({ key: present })).length > 0)
				await tier.purge({ key: partKey(completeKey) });
		} catch {
			// A tier closing meanwhile: the complete response, where stored, is found first
			// (cache-read.ts), so a part left behind answers nothing while it is there.
		}
		return result;
	};
}

/**
 * The fields kept with a stored response: all the origin sent (hop-by-hop ones are already
 * gone) except those a qualified private (RFC 9111 §5.2.2.7: a shared cache "MUST NOT store
 * the specified field names") or a qualified no-cache (§5.2.2.4: the response may be reused
 * only with the listed fields excluded) names. The client whose request filled the cache
 * still gets them all.
 */
function storedFields(
	headers: Headers,
	effective: EffectiveResponseDirectives,
): [string, string][] {
	const fields = [...headers];
	const withheld = fieldsWithheldFromStorage(effective.directives);
	if (withheld.length === 0) return fields;
	return fields.filter(([name]) => !withheld.includes(name));
}

/**
 * When the tier may drop a stored response: past its freshness lifetime and the stale
 * windows it allows (RFC 5861) or the cache keeps for an unreachable origin
 * (`staleIfUnreachableSeconds`, unless the response forbids serving it stale), plus a grace
 * period when it has validators, so a stale copy can still be revalidated with a cheap 304
 * instead of refetched. Keeping stale copies costs only room: the policy evicts them first,
 * as nothing hits them.
 */
export function retainUntil(
	status: number,
	headers: Headers,
	responseTimeMs: number,
	staleIfUnreachableSeconds = 0,
	// Callers that parsed the directives already pass them in.
	effective: EffectiveResponseDirectives = effectiveResponseDirectives(headers),
): number {
	const lifetimeSeconds = freshnessLifetime({ status, headers, effective, responseTimeMs }).seconds;
	const { directives } = effective;
	const staleSeconds = Math.max(
		directives.staleWhileRevalidate ?? 0,
		directives.staleIfError ?? 0,
		staleForbiddenBy(directives) === undefined ? staleIfUnreachableSeconds : 0,
	);
	const hasValidators = headers.has("etag") || headers.has("last-modified");
	return (
		responseTimeMs +
		(lifetimeSeconds + staleSeconds) * 1000 +
		(hasValidators ? VALIDATOR_GRACE_MS : 0)
	);
}
