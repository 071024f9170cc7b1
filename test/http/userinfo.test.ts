import { describe, expect, test } from "bun:test";
import { originForLog, withoutCredentials } from "../../edge/http/userinfo.ts";

describe("origin credentials kept out of logs", () => {
	test.each([
		["http://user:pw@origin.test/", "http://***@origin.test/"],
		["https://token@origin.test:8443/base", "https://***@origin.test:8443/base"],
		["http://origin.test/", "http://origin.test/"],
		// An "@" in the path is not userinfo.
		["http://origin.test/a@b", "http://origin.test/a@b"],
	])("%s is logged as %s", (url, logged) => {
		expect(originForLog(url)).toBe(logged);
	});

	test("every copy in a message goes, as written and as URL parsing spells it", () => {
		const url = "http://us er:p%41ss@origin.test/x";
		const message = "connect to http://us%20er:p%41ss@origin.test/x failed (us er:p%41ss@)";
		expect(withoutCredentials(message, url)).toBe(
			"connect to http://***@origin.test/x failed (***@)",
		);
	});
});
