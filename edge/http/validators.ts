import { type EntityTag, parseEntityTag } from "./entity-tag.ts";
import { parseHttpDate } from "./http-date.ts";

/** The validator fields of a stored or received response (RFC 9110 §8.8), as raw values. */
export interface ValidatorFields {
	etag?: string | null;
	lastModified?: string | null;
	date?: string | null;
	/** When the cache received the response, ms since the epoch (RFC 9111 §4.3.2 fallback). */
	receivedAt?: number;
}

export function validatorsFromHeaders(headers: Headers, receivedAt?: number): ValidatorFields {
	const fields: ValidatorFields = {
		etag: headers.get("etag"),
		lastModified: headers.get("last-modified"),
		date: headers.get("date"),
	};
	if (receivedAt !== undefined) fields.receivedAt = receivedAt;
	return fields;
}

/** The parsed validators; an invalid ETag or date counts as absent. */
export interface ParsedValidators {
	etag: EntityTag | undefined;
	lastModified: number | undefined;
	date: number | undefined;
}

export function parseValidators(fields: ValidatorFields): ParsedValidators {
	return {
		etag: parseEntityTag(fields.etag),
		lastModified: parseHttpDate(fields.lastModified),
		date: parseHttpDate(fields.date),
	};
}

/**
 * §8.8.2.2: a Last-Modified date is strong only when it is known to be at least one second
 * older than the Date the response was generated at; otherwise two changes within the same
 * second could share it.
 */
export function isStrongLastModified(validators: ParsedValidators): boolean {
	const { lastModified, date } = validators;
	return lastModified !== undefined && date !== undefined && date - lastModified >= 1000;
}
