/**
 * The fields of a plain hit on one stored object: its served fields plus Age and our
 * Cache-Status member. Those two only change when the whole seconds of age or ttl change,
 * so the set is built once per (age, ttl) and handed to every Response in between: the
 * runtime copies init headers into each Response, so sharing the init is safe (a runtime
 * contract test in test/proxy/pins.test.ts checks it).
 */
import {
	appendCacheStatus,
	DEFAULT_CACHE_IDENTIFIER,
	serializeCacheStatus,
} from "../http/cache-status.ts";

export class HitHeaders {
	#age = Number.NaN;
	#ttl = Number.NaN;
	#headers: Headers | undefined;

	constructor(
		private readonly served: Headers,
		private readonly upstreamCacheStatus: string | null,
	) {}

	/** The fields for a hit whose Age is `age` and whose Cache-Status ttl is `ttl`. */
	at(age: number, ttl: number): Headers {
		if (this.#headers !== undefined && age === this.#age && ttl === this.#ttl) return this.#headers;
		const headers = new Headers(this.served);
		headers.set("age", String(age));
		const member = serializeCacheStatus({ cache: DEFAULT_CACHE_IDENTIFIER, hit: true, ttl });
		headers.set("cache-status", appendCacheStatus(this.upstreamCacheStatus, member));
		this.#age = age;
		this.#ttl = ttl;
		this.#headers = headers;
		return headers;
	}
}
