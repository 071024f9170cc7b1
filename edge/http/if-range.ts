import { parseEntityTag, strongMatch } from "./entity-tag.ts";
import { parseHttpDate } from "./http-date.ts";
import { isStrongLastModified, parseValidators, type ValidatorFields } from "./validators.ts";

/**
 * RFC 9110 §13.1.5: whether a Range may be honoured given the request's If-Range field
 * (null when absent). A false result means: ignore Range, send the full representation.
 * - an entity-tag must match the stored ETag by strong comparison (a weak tag never does);
 * - an HTTP-date must exactly equal the stored Last-Modified, and that date must be a strong
 *   validator (§8.8.2.2), else the condition is false;
 * - anything else (garbage) is neither, so the condition is false: sending the full
 *   representation is always safe, a wrong part is not.
 */
export function ifRangeAllowsPartial(ifRange: string | null, stored: ValidatorFields): boolean {
	if (ifRange === null) return true;
	const value = ifRange.trim();
	const validators = parseValidators(stored);
	// §13.1.5: an entity-tag is told from a date by a DQUOTE in the first three characters.
	if (value.slice(0, 3).includes('"')) {
		const tag = parseEntityTag(value);
		return tag !== undefined && validators.etag !== undefined && strongMatch(tag, validators.etag);
	}
	const date = parseHttpDate(value);
	if (date === undefined || validators.lastModified === undefined) return false;
	return isStrongLastModified(validators) && date === validators.lastModified;
}
