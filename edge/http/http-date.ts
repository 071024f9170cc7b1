/**
 * HTTP-date parsing (RFC 9110 §5.6.7). Recipients MUST accept all three formats: IMF-fixdate,
 * the obsolete RFC 850 format and asctime. Anything else is not a date: callers ignore the
 * field (e.g. §13.1.3 for If-Modified-Since) instead of guessing, which is why this does not
 * fall back to Date.parse (it accepts "2020" or "tomorrow"-like garbage on some engines).
 */

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const IMF_FIXDATE =
	/^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const RFC850_DATE =
	/^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const ASCTIME_DATE =
	/^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/** Milliseconds since the epoch, or undefined when the value is not a valid HTTP-date. */
export function parseHttpDate(value: string | null | undefined): number | undefined {
	if (value === null || value === undefined) return undefined;
	const text = value.trim();
	let m = IMF_FIXDATE.exec(text);
	if (m) return build(m[3], m[2], m[1], m[4], m[5], m[6]);
	m = RFC850_DATE.exec(text);
	if (m) return build(rfc850Year(m[3]), m[2], m[1], m[4], m[5], m[6]);
	m = ASCTIME_DATE.exec(text);
	if (m) return build(m[6], m[1], m[2], m[3], m[4], m[5]);
	return undefined;
}

/** Formats a time as IMF-fixdate, the only format a sender may generate (§5.6.7). */
export function formatHttpDate(epochMs: number): string {
	return new Date(epochMs).toUTCString();
}

/**
 * §5.6.7: a two-digit year that appears to be more than 50 years in the future is taken as
 * the most recent past year with the same last two digits.
 */
function rfc850Year(twoDigits: string | undefined): string {
	const yy = Number(twoDigits);
	const thisYear = new Date().getUTCFullYear();
	let year = thisYear - (thisYear % 100) + yy;
	if (year > thisYear + 50) year -= 100;
	return String(year);
}

function build(
	year: string | undefined,
	month: string | undefined,
	day: string | undefined,
	hour: string | undefined,
	minute: string | undefined,
	second: string | undefined,
): number | undefined {
	const monthIndex = MONTHS.indexOf(month ?? "");
	const d = Number(day);
	const h = Number(hour);
	const min = Number(minute);
	const s = Number(second);
	// Reject out-of-range parts instead of letting Date roll "Feb 31" over into March.
	if (monthIndex < 0 || d < 1 || d > 31 || h > 23 || min > 59 || s > 60) return undefined;
	const ms = Date.UTC(Number(year), monthIndex, d, h, min, Math.min(s, 59));
	if (new Date(ms).getUTCDate() !== d) return undefined;
	return ms;
}
