import type { PurgeSelector } from "./storage.ts";

/** Whether a purge selector names an object (or an open write) with this key and these tags. */
export function selects(
	selector: PurgeSelector,
	object: { readonly key: string; readonly tags: readonly string[] },
): boolean {
	if ("key" in selector) return object.key === selector.key;
	if ("tag" in selector) return object.tags.includes(selector.tag);
	return object.key.startsWith(selector.prefix);
}
