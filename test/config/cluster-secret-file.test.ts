/**
 * Where a node's cluster secret comes from and how it is read: the environment before the
 * cluster file, a final newline not part of it, a missing or short file refused with the
 * setting named and the contents never shown, and the start-up lines (the warning of a
 * cluster without a secret, the one of a file every user may read).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClusterConfigError, parseClusterConfig } from "../../cluster/node/cluster-config.ts";
import {
	loadClusterSecret,
	resolveClusterSecret,
	SECRET_FILE_ENV,
	secretFromFileBytes,
	secretSource,
	UNAUTHENTICATED_WARNING,
} from "../../cluster/node/cluster-secret-file.ts";
import { toHex } from "../../cluster/transport/peer-auth.ts";

const dir = mkdtempSync(join(tmpdir(), "neuro-secret-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEX = "0123456789abcdef".repeat(4);

function secretFile(name: string, contents: string, mode = 0o600): string {
	const path = join(dir, name);
	writeFileSync(path, contents);
	chmodSync(path, mode);
	return path;
}

const cluster = (secretFile?: string, nodeCount = 3) => ({
	...(secretFile === undefined ? {} : { secretFile }),
	configPath: "nodes.yaml",
	nodeCount,
});

/** The same secret, by what it makes of a fixed input. */
const fingerprint = (secret: { mac(label: string, parts: Uint8Array[]): Uint8Array }) =>
	toHex(secret.mac("fingerprint", []));

describe("the cluster secret's source", () => {
	test("the environment's file, then the cluster file's, else none; an empty variable is unset", () => {
		expect(secretSource({ [SECRET_FILE_ENV]: "/env" }, cluster("/yaml"))).toEqual({
			setting: SECRET_FILE_ENV,
			path: "/env",
		});
		expect(secretSource({ [SECRET_FILE_ENV]: "" }, cluster("/yaml"))).toEqual({
			setting: "nodes.yaml: secretFile",
			path: "/yaml",
		});
		expect(secretSource({}, cluster())).toBeUndefined();
		expect(secretSource({})).toBeUndefined();
	});

	test("the cluster file takes secretFile, a non-empty path", () => {
		const base = 'dataDir: d\nnodes:\n  1: { raft: "a:1", api: "a:2" }\n';
		expect(parseClusterConfig(`${base}secretFile: ./s\n`, "nodes.yaml").secretFile).toBe("./s");
		expect(parseClusterConfig(base, "nodes.yaml").secretFile).toBeUndefined();
		expect(() => parseClusterConfig(`${base}secretFile: ""\n`, "nodes.yaml")).toThrow(
			"nodes.yaml: secretFile: must be a file path",
		);
	});
});

describe("reading the secret", () => {
	const source = { setting: SECRET_FILE_ENV, path: "/etc/neuro/secret" };

	test("one final newline (or CRLF) is not part of it", () => {
		const bare = secretFromFileBytes(new TextEncoder().encode(HEX), source);
		for (const text of [`${HEX}\n`, `${HEX}\r\n`]) {
			expect(fingerprint(secretFromFileBytes(new TextEncoder().encode(text), source))).toBe(
				fingerprint(bare),
			);
		}
		const other = secretFromFileBytes(new TextEncoder().encode(`${HEX} `), source);
		expect(fingerprint(other)).not.toBe(fingerprint(bare));
	});

	test("fewer than 32 bytes: refused, naming the setting and the length, not the contents", () => {
		const short = "tooshort-tooshort-tooshort-tooo\n";
		let error: unknown;
		try {
			secretFromFileBytes(new TextEncoder().encode(short), source);
		} catch (caught) {
			error = caught;
		}
		expect(error).toBeInstanceOf(ClusterConfigError);
		expect((error as Error).message).toBe(
			`${SECRET_FILE_ENV} (/etc/neuro/secret): the cluster secret is 31 bytes; at least 32 are needed (openssl rand -hex 32 > FILE makes one)`,
		);
		expect((error as Error).message).not.toContain("tooshort");
	});

	test("a missing or unreadable file: refused, naming the setting and the path", async () => {
		const missing = { setting: "nodes.yaml: secretFile", path: join(dir, "nope") };
		await expect(loadClusterSecret(missing)).rejects.toThrow(
			`nodes.yaml: secretFile (${join(dir, "nope")}): cannot read the cluster secret: ENOENT`,
		);
		await expect(loadClusterSecret({ setting: SECRET_FILE_ENV, path: dir })).rejects.toThrow(
			"cannot read the cluster secret: EISDIR",
		);
	});

	test("a file every user may read is taken, with a warning", async () => {
		const open = await loadClusterSecret({
			setting: SECRET_FILE_ENV,
			path: secretFile("open", HEX, 0o644),
		});
		expect(open.warnings).toEqual([
			expect.stringMatching(
				/^WARN cluster: .* is readable by every user of this machine \(chmod 600 it\)$/,
			),
		]);
		const closed = await loadClusterSecret({
			setting: SECRET_FILE_ENV,
			path: secretFile("closed", HEX),
		});
		expect(closed.warnings).toEqual([]);
		expect(fingerprint(closed.secret)).toBe(fingerprint(open.secret));
	});
});

describe("the start-up lines", () => {
	test("a cluster of several nodes without a secret warns once; a single node does not", async () => {
		expect(await resolveClusterSecret({}, cluster())).toEqual({
			secret: undefined,
			lines: [UNAUTHENTICATED_WARNING],
		});
		expect(UNAUTHENTICATED_WARNING).toContain("not authenticated");
		expect(UNAUTHENTICATED_WARNING).toContain(SECRET_FILE_ENV);
		expect(UNAUTHENTICATED_WARNING).toContain("secretFile:");
		expect(await resolveClusterSecret({}, cluster(undefined, 1))).toEqual({
			secret: undefined,
			lines: [],
		});
		expect(await resolveClusterSecret({})).toEqual({ secret: undefined, lines: [] });
	});

	test("with a secret: where it came from is said, never what it is", async () => {
		const path = secretFile("good", `${HEX}\n`);
		const resolved = await resolveClusterSecret({ [SECRET_FILE_ENV]: path }, cluster());
		expect(resolved.secret).toBeDefined();
		expect(resolved.lines).toEqual([
			`INFO cluster: Raft and gossip peers authenticate with the cluster secret from ${SECRET_FILE_ENV} (${path})`,
		]);
		expect(resolved.lines.join("\n")).not.toContain(HEX);
		const fromSingleNode = await resolveClusterSecret({ [SECRET_FILE_ENV]: path });
		expect(fingerprint(fromSingleNode.secret as NonNullable<typeof fromSingleNode.secret>)).toBe(
			fingerprint(resolved.secret as NonNullable<typeof resolved.secret>),
		);
	});
});
