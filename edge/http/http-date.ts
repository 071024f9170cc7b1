/**
 * HTTP-date parsing (RFC 9110 §5.6.7): IMF-fixdate and the two obsolete formats, RFC 850 and
 * asctime. Names are matched case-insensitively, as RFC 9111 §4.2 asks of caches; any zone
 * other than GMT makes the date invalid (RFC 9111 §4.2). Returns epoch milliseconds or
 * undefined; never consults the local time zone.
 */

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAY = "(?:mon|tue|wed|thu|fri|sat|sun)";
const LONG_DAY = "(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)";
const MONTH = "(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)";
const TIME = "(\\d{2}):(\\d{2}):(\\d{2})";

/** Sun, 06 Nov 1994 08:49:37 GMT */
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} gmt$`, "i");
/** Sunday, 06-Nov-94 08:49:37 GMT */
const RFC_850 = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} gmt$`, "i");
/** Sun Nov  6 08:49:37 1994 */
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`, "i");

/**
 * @param nowMs the clock, needed only for the RFC 850 two-digit year (RFC 9110 §5.6.7: a year
 *   more than 50 years in the future means the most recent past year with those two digits).
 *   Pass it to stay pure; without it that one format reads the system clock.
 */
export function parseHttpDate(
	value: string | null | undefined,
	nowMs?: number,
): number | undefined {
	if (value === null || value === undefined) return undefined;
	const text = value.trim();
	let match = IMF_FIXDATE.exec(text);
	if (match) return toEpochMs(match[3], match[1], match[2], match[4], match[5], match[6]);
	match = ASCTIME.exec(text);
	if (match) return toEpochMs(match[6], match[2], match[1], match[3], match[4], match[5]);
	match = RFC_850.exec(text);
	if (match) {
		const twoDigits = Number(match[3]);
		const nowYear = new Date(nowMs ?? Date.now()).getUTCFullYear();
		let year = Math.floor(nowYear / 100) * 100 + twoDigits;
		if (year > nowYear + 50) year -= 100;
		return toEpochMs(String(year), match[1], match[2], match[4], match[5], match[6]);
	}
	return undefined;
}

function toEpochMs(
	yearText: string | undefined,
	dayText: string | undefined,
	monthText: string | undefined,
	hourText: string | undefined,
	minuteText: string | undefined,
	secondText: string | undefined,
): number | undefined {
	const year = Number(yearText);
	const day = Number(dayText?.trim());
	const month = MONTHS.indexOf(monthText?.toLowerCase() ?? "");
	const hour = Number(hourText);
	const minute = Number(minuteText);
	const second = Number(secondText);
	// time-of-day is 00:00:00 – 23:59:60 (the 60 is a leap second).
	if (month < 0 || hour > 23 || minute > 59 || second > 60 || day < 1) return undefined;
	// Date.UTC rolls 31 Feb over into March; such a date is not a date.
	if (new Date(Date.UTC(year, month, day)).getUTCDate() !== day) return undefined;
	return Date.UTC(year, month, day, hour, minute, second);
}

/** Formats a time as IMF-fixdate, the only format a sender may generate (RFC 9110 §5.6.7). */
export function formatHttpDate(epochMs: number): string {
	return new Date(epochMs).toUTCString();
}
