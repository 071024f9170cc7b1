/** neuroctl's --ca-file / NEURO_CA_FILE (cluster/ctl/ca-file.ts, args.ts): read and checked before any request. */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCtlArgs, UsageError } from "../../cluster/ctl/args.ts";
import { resolveCaFile } from "../../cluster/ctl/ca-file.ts";
import { makeSelfSignedCert } from "../node/tls-certs.ts";

const dir = mkdtempSync(join(tmpdir(), "neuro-ca-file-"));
const cert = makeSelfSignedCert();
afterAll(() => {
	rmSync(dir, { recursive: true, force: true });
	rmSync(cert.dir, { recursive: true, force: true });
});

describe("neuroctl's CA file", () => {
	test("the flag wins over NEURO_CA_FILE; an empty environment value is unset, an empty flag refused", () => {
		expect(parseCtlArgs(["--ca-file", "a.pem", "status"], { NEURO_CA_FILE: "b.pem" }).caFile).toBe(
			"a.pem",
		);
		expect(parseCtlArgs(["status"], { NEURO_CA_FILE: "b.pem" }).caFile).toBe("b.pem");
		expect(parseCtlArgs(["status"], { NEURO_CA_FILE: "" }).caFile).toBeUndefined();
		expect(() => parseCtlArgs(["--ca-file", "", "status"], {})).toThrow(UsageError);
	});

	test("a PEM certificate is taken; a missing file, a directory or not PEM is a usage error naming it", async () => {
		expect(await resolveCaFile(cert.certPath)).toBe(cert.cert);
		expect(await resolveCaFile(undefined)).toBeUndefined();
		const notPem = join(dir, "key.txt");
		writeFileSync(notPem, "not a certificate\n");
		for (const [path, why] of [
			[join(dir, "missing.pem"), "no such file"],
			[dir, "is a directory"],
			[notPem, "not a PEM certificate"],
			[cert.keyPath, "not a PEM certificate"],
		] as const) {
			const error = await resolveCaFile(path).catch((caught: unknown) => caught);
			expect(error).toBeInstanceOf(UsageError);
			expect((error as Error).message).toBe(`--ca-file: ${path}: ${why}`);
		}
	});
});
