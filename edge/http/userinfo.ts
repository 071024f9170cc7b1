/**
 * Credentials in an origin URL ("http://user:password@origin.test/") are a feature: the
 * runtime's fetch sends them as Basic authorization. They must not reach the logs, where
 * an origin URL is named in every origin failure and at start-up. RFC 9110 §4.2.4 deprecates
 * userinfo in http(s) URIs for this reason among others.
 */

/** What stands for the credentials in what is logged. */
const REDACTED = "***@";

/** The `userinfo@` spellings of an absolute URL: as written and as URL parsing writes it. */
function userinfoSpellings(url: string): string[] {
	const written = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*@)/i.exec(url)?.[1];
	if (written === undefined) return [];
	const spellings = [written];
	const parsed = URL.parse(url);
	if (parsed !== null && (parsed.username !== "" || parsed.password !== "")) {
		const normalized = `${parsed.username}${parsed.password === "" ? "" : `:${parsed.password}`}@`;
		if (normalized !== written) spellings.push(normalized);
	}
	return spellings;
}

/** `text` (a log line, an error's message) with `url`'s credentials replaced wherever they appear. */
export function withoutCredentials(text: string, url: string): string {
	let out = text;
	for (const userinfo of userinfoSpellings(url)) out = out.replaceAll(userinfo, REDACTED);
	return out;
}

/** An origin URL as logs may show it: its credentials, if any, replaced. */
export function originForLog(url: string): string {
	return withoutCredentials(url, url);
}
