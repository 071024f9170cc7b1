/**
 * Reads the PEM files named by --tls-cert / --tls-key and checks them before the server
 * starts: a missing file, a file that is not PEM, or a key that does not match the
 * certificate is refused naming the flag, instead of failing inside the TLS handshake.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { FlagError } from "./flags.ts";

export type TlsPem = { readonly cert: string; readonly key: string };

function readPem(flag: string, path: string): string {
	try {
		return readFileSync(path, "utf8");
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "not readable" : code;
		throw new FlagError(`${flag}: cannot read ${path}: ${why ?? (error as Error).message}`);
	}
}

export function loadTlsFiles(paths: { certPath: string; keyPath: string }): TlsPem {
	const cert = readPem("--tls-cert", paths.certPath);
	const key = readPem("--tls-key", paths.keyPath);
	let certificate: X509Certificate;
	try {
		certificate = new X509Certificate(cert);
	} catch {
		throw new FlagError(`--tls-cert: ${paths.certPath} is not a PEM certificate`);
	}
	let privateKey: ReturnType<typeof createPrivateKey>;
	try {
		privateKey = createPrivateKey(key);
	} catch {
		throw new FlagError(`--tls-key: ${paths.keyPath} is not a PEM private key`);
	}
	if (!certificate.checkPrivateKey(privateKey)) {
		throw new FlagError(
			`--tls-key: ${paths.keyPath} does not match the certificate in ${paths.certPath}`,
		);
	}
	return { cert, key };
}
