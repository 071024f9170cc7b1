/**
 * Reads the PEM files named by --tls-cert / --tls-key (or the cluster file's apiTls) and
 * checks them before the server starts: a missing file, a file that is not PEM, or a key
 * that does not match the certificate is refused naming the setting, instead of failing
 * inside the TLS handshake.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { PeerTls } from "../transport/peer-tls.ts";
import { ClusterConfigError } from "./cluster-config.ts";
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

/** What the errors call the two settings: the edge's flags unless told otherwise. */
const FLAG_NAMES = { cert: "--tls-cert", key: "--tls-key" } as const;

export function loadTlsFiles(
	paths: { certPath: string; keyPath: string },
	names: { readonly cert: string; readonly key: string } = FLAG_NAMES,
): TlsPem {
	const cert = readPem(names.cert, paths.certPath);
	const key = readPem(names.key, paths.keyPath);
	let certificate: X509Certificate;
	try {
		certificate = new X509Certificate(cert);
	} catch {
		throw new FlagError(`${names.cert}: ${paths.certPath} is not a PEM certificate`);
	}
	let privateKey: ReturnType<typeof createPrivateKey>;
	try {
		privateKey = createPrivateKey(key);
	} catch {
		throw new FlagError(`${names.key}: ${paths.keyPath} is not a PEM private key`);
	}
	if (!certificate.checkPrivateKey(privateKey)) {
		throw new FlagError(
			`${names.key}: ${paths.keyPath} does not match the certificate in ${paths.certPath}`,
		);
	}
	return { cert, key };
}

/**
 * The cluster file's apiTls, read and checked as the edge's flags are; a problem is a
 * ClusterConfigError naming the file and the field (node.ts: exit 2 before anything listens).
 */
export function clusterApiTls(
	paths: { readonly cert: string; readonly key: string },
	configPath: string,
): TlsPem {
	return clusterCertAndKey(paths, configPath, "apiTls");
}

/**
 * The cluster file's peerTls: this node's certificate and key, checked as apiTls is, and
 * the CA its peers' certificates must chain to (a PEM certificate).
 */
export function clusterPeerTls(
	paths: { readonly cert: string; readonly key: string; readonly ca: string },
	configPath: string,
): PeerTls {
	const pem = clusterCertAndKey(paths, configPath, "peerTls");
	const caName = `${configPath}: peerTls.ca`;
	return asClusterConfigError(() => {
		const ca = readPem(caName, paths.ca);
		try {
			new X509Certificate(ca);
		} catch {
			throw new FlagError(`${caName}: ${paths.ca} is not a PEM certificate`);
		}
		return { ...pem, ca };
	});
}

function clusterCertAndKey(
	paths: { readonly cert: string; readonly key: string },
	configPath: string,
	field: "apiTls" | "peerTls",
): TlsPem {
	return asClusterConfigError(() =>
		loadTlsFiles(
			{ certPath: paths.cert, keyPath: paths.key },
			{ cert: `${configPath}: ${field}.cert`, key: `${configPath}: ${field}.key` },
		),
	);
}

/** The cluster file's problems are ClusterConfigErrors, whatever check found them. */
function asClusterConfigError<T>(read: () => T): T {
	try {
		return read();
	} catch (error) {
		if (error instanceof FlagError) throw new ClusterConfigError(error.message);
		throw error;
	}
}
