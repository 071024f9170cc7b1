/**
 * Where a node's cluster secret comes from, read once before anything listens: the file
 * `NEURO_CLUSTER_SECRET_FILE` names, else the one the cluster file's `secretFile:` names
 * (a relative path is taken from the working directory, as `dataDir` is). Every node of a
 * POP reads the same bytes; a final line ending is not part of them, so a file written by
 * `openssl rand -hex 32 > FILE` (64 characters and a newline) and one written without the
 * newline hold the same secret.
 *
 * A missing, unreadable or short file is a ClusterConfigError naming the setting and the
 * path (exit 2, like any bad cluster file); the error and the log lines say how long the
 * secret was at most, never what it was.
 */
import { readFile, stat } from "node:fs/promises";
import * as v from "valibot";
import { CLUSTER_SECRET_MIN_BYTES, ClusterSecret } from "../transport/cluster-secret.ts";
import { ClusterConfigError } from "./cluster-config.ts";

export const SECRET_FILE_ENV = "NEURO_CLUSTER_SECRET_FILE";

/** The setting that names the file (for messages) and the path it gives. */
export interface SecretSource {
	readonly setting: string;
	readonly path: string;
}

const SecretPath = v.pipe(v.string(), v.minLength(1));

/**
 * The environment's file first (a path can differ per machine while the cluster file is
 * shared), then the cluster file's; undefined when neither names one. An empty variable
 * counts as unset, as the node's other NEURO_ variables do.
 */
export function secretSource(
	env: Record<string, string | undefined>,
	cluster?: { readonly secretFile?: string | undefined; readonly configPath: string },
): SecretSource | undefined {
	const fromEnv = v.safeParse(SecretPath, env[SECRET_FILE_ENV]);
	if (fromEnv.success) return { setting: SECRET_FILE_ENV, path: fromEnv.output };
	if (cluster?.secretFile !== undefined) {
		return { setting: `${cluster.configPath}: secretFile`, path: cluster.secretFile };
	}
	return undefined;
}

/** The file's bytes without one final "\n" or "\r\n", as a checked secret. */
export function secretFromFileBytes(bytes: Uint8Array, source: SecretSource): ClusterSecret {
	let end = bytes.byteLength;
	if (end > 0 && bytes[end - 1] === 0x0a) end--;
	if (end > 0 && bytes[end - 1] === 0x0d) end--;
	const trimmed = bytes.subarray(0, end);
	if (trimmed.byteLength < CLUSTER_SECRET_MIN_BYTES) {
		throw new ClusterConfigError(
			`${describe(source)}: the cluster secret is ${trimmed.byteLength} bytes; at least ${CLUSTER_SECRET_MIN_BYTES} are needed (openssl rand -hex 32 > FILE makes one)`,
		);
	}
	return ClusterSecret.fromBytes(trimmed);
}

export interface LoadedSecret {
	readonly secret: ClusterSecret;
	/** Lines worth a WARN at start (a file every user may read), without the secret. */
	readonly warnings: readonly string[];
}

export async function loadClusterSecret(source: SecretSource): Promise<LoadedSecret> {
	let bytes: Uint8Array;
	let mode: number;
	try {
		bytes = await readFile(source.path);
		mode = (await stat(source.path)).mode;
	} catch (error) {
		const { code, message } = error as NodeJS.ErrnoException;
		throw new ClusterConfigError(
			`${describe(source)}: cannot read the cluster secret: ${code ?? message}`,
		);
	}
	const secret = secretFromFileBytes(bytes, source);
	bytes.fill(0);
	const warnings =
		(mode & 0o004) === 0
			? []
			: [
					`WARN cluster: ${describe(source)}: the cluster secret is readable by every user of this machine (chmod 600 it)`,
				];
	return { secret, warnings };
}

function describe(source: SecretSource): string {
	return `${source.setting} (${source.path})`;
}

/**
 * Said once at start by a node with peers and no secret: who can reach its ports can pose
 * as a member, and how to stop that.
 */
export const UNAUTHENTICATED_WARNING =
	"WARN cluster: no cluster secret: Raft and gossip traffic between nodes is not authenticated, so anyone who can reach their ports can pose as a member; " +
	`set secretFile: in the cluster file, or ${SECRET_FILE_ENV}, to a file of at least ${CLUSTER_SECRET_MIN_BYTES} random bytes (openssl rand -hex 32 > FILE), the same on every node`;

/**
 * The secret node `--id N --config FILE` (or `--data DIR`, from the environment only) runs
 * with, and the lines to log about it: the unauthenticated warning when the cluster file has
 * more than one node and no secret is set.
 */
export async function resolveClusterSecret(
	env: Record<string, string | undefined>,
	cluster?: {
		readonly secretFile?: string | undefined;
		readonly configPath: string;
		readonly nodeCount: number;
	},
): Promise<{ readonly secret: ClusterSecret | undefined; readonly lines: readonly string[] }> {
	const source = secretSource(env, cluster);
	if (source === undefined) {
		const multiNode = cluster !== undefined && cluster.nodeCount > 1;
		return { secret: undefined, lines: multiNode ? [UNAUTHENTICATED_WARNING] : [] };
	}
	const loaded = await loadClusterSecret(source);
	return {
		secret: loaded.secret,
		lines: [
			...loaded.warnings,
			`INFO cluster: Raft and gossip peers authenticate with the cluster secret from ${describe(source)}`,
		],
	};
}
