/** Self-signed loopback certificates for tests, made with the openssl CLI in a temp dir. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type TestCert = { dir: string; certPath: string; keyPath: string; cert: string };

export function makeSelfSignedCert(name = "loopback"): TestCert {
	const dir = mkdtempSync(join(tmpdir(), "neuro-tls-"));
	const certPath = join(dir, `${name}.crt`);
	const keyPath = join(dir, `${name}.key`);
	const made = Bun.spawnSync(
		[
			"openssl",
			"req",
			"-x509",
			"-newkey",
			"ec",
			"-pkeyopt",
			"ec_paramgen_curve:prime256v1",
			"-nodes",
			"-days",
			"1",
			"-subj",
			"/CN=localhost",
			"-addext",
			"subjectAltName=DNS:localhost,IP:127.0.0.1",
			"-keyout",
			keyPath,
			"-out",
			certPath,
		],
		{ stdout: "ignore", stderr: "pipe" },
	);
	if (made.exitCode !== 0) throw new Error(`openssl failed: ${made.stderr.toString()}`);
	return { dir, certPath, keyPath, cert: readFileSync(certPath, "utf8") };
}
