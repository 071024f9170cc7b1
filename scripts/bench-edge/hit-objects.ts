/**
 * What the benchmark's stand-ins for a cache (ceiling.ts, runtime-limit.ts) answer: the
 * measured objects by path, and the fields a cache hit on ours carries, in values of the
 * same length: the origin's (Content-Type, Cache-Control, ETag), Accept-Ranges, and the Age
 * and Cache-Status a hit adds; Bun adds Date and Content-Length to all. So the bytes on the
 * wire are the same, and what separates ours from these is cache work, not response size.
 */
import { etagOf, sizedBody } from "../../edge/demo-origin.ts";

export interface HitObject {
	readonly body: Uint8Array;
	readonly etag: string;
}

/** The 1 KiB and 64 KiB objects bench-edge.sh measures, keyed by path. */
export function hitObjects(): Map<string, HitObject> {
	const objects = new Map<string, HitObject>();
	for (const size of [1024, 65_536]) {
		const body = sizedBody(size);
		objects.set(`/bytes/${size}`, { body, etag: etagOf(body) });
	}
	return objects;
}

/** A fresh record of a hit's fields (the ceiling builds one per response, as an app would). */
export function hitFields(etag: string): Record<string, string> {
	return {
		"cache-control": "public, max-age=3600",
		"content-type": "application/octet-stream",
		etag,
		"accept-ranges": "bytes",
		age: "0",
		"cache-status": "NeuroCache;hit;ttl=3600",
	};
}
