/**
 * The POP inventory (pops/inventory.yaml): which POPs exist, their hosts, and how to reach
 * each host. Validated once, before anything is touched: a bad inventory is refused with
 * the file, line and field named.
 */
import * as v from "valibot";
import { parseStrictYaml } from "../../cluster/node/strict-yaml.ts";
import { lineOfPath } from "./yaml-lines.ts";

const name = v.pipe(
	v.string(),
	v.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be a lowercase name (a-z, 0-9, -)"),
);
const port = v.pipe(
	v.number("must be a number"),
	v.integer("must be a whole number"),
	v.minValue(1, "must be a port 1-65535"),
	v.maxValue(65_535, "must be a port 1-65535"),
);
const absolutePath = v.pipe(v.string(), v.regex(/^\//, "must be an absolute path"));

/** Extra flags for the binary on that host; they override its baked-in POP config. */
const args = v.optional(v.array(v.string("must be a list of strings")), []);

/** A host on this machine: a directory for the binary and a loopback port. */
const LocalHost = v.strictObject({
	name,
	via: v.literal("local"),
	dir: absolutePath,
	port,
	args,
});

/** A real host reached with ssh (user@address), the binary in `dir`, serving on `port`. */
const SshHost = v.strictObject({
	name,
	via: v.literal("ssh"),
	address: v.pipe(v.string(), v.regex(/^[\w.-]+@[\w.:-]+$/, "must be user@host")),
	dir: absolutePath,
	port,
	args,
});

const Host = v.variant("via", [LocalHost, SshHost], 'via must be "local" or "ssh"');

const InventorySchema = v.strictObject({
	/** The POP rolled out first, alone; default: the first POP listed. */
	canary: v.optional(name),
	/** POPs per wave after the canary. */
	batchSize: v.optional(v.pipe(port, v.maxValue(1000, "must be at most 1000")), 2),
	/** How long a new process may take to answer its health check. */
	healthTimeoutMs: v.optional(
		v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(600_000)),
		15_000,
	),
	pops: v.pipe(
		v.record(
			name,
			v.strictObject({ hosts: v.pipe(v.array(Host), v.minLength(1, "needs a host")) }),
		),
		v.check((pops) => Object.keys(pops).length > 0, "needs at least one POP"),
	),
});

export type Inventory = v.InferOutput<typeof InventorySchema>;
export type InventoryHost = v.InferOutput<typeof Host>;

export class InventoryError extends Error {
	override name = "InventoryError";
}

/** Parses and validates inventory YAML; `source` names the file in errors. */
export function parseInventory(text: string, source: string): Inventory {
	// strict-yaml.ts: also a host listed twice, which the parser would keep only the last of.
	const parsed = parseStrictYaml(text);
	if (!parsed.ok) throw new InventoryError(`${source}: ${parsed.message}`);
	const result = v.safeParse(InventorySchema, parsed.value);
	if (!result.success) {
		const issue = result.issues[0];
		const path = (issue.path ?? []).map((item) => item.key as string | number);
		const field = path.length === 0 ? "(top level)" : fieldName(path);
		const line = lineOfPath(text, path);
		const where = line === undefined ? source : `${source}:${line}`;
		throw new InventoryError(`${where}: ${field}: ${issue.message}`);
	}
	const inventory = result.output;
	if (inventory.canary !== undefined && !(inventory.canary in inventory.pops)) {
		const line = lineOfPath(text, ["canary"]);
		throw new InventoryError(
			`${source}${line === undefined ? "" : `:${line}`}: canary: no POP named ${inventory.canary}`,
		);
	}
	checkUniqueHosts(inventory, text, source);
	return inventory;
}

/** Two hosts with one name, or two local hosts on one port, would swap each other's binary. */
function checkUniqueHosts(inventory: Inventory, text: string, source: string): void {
	const names = new Set<string>();
	const localPorts = new Set<number>();
	for (const [pop, { hosts }] of Object.entries(inventory.pops)) {
		hosts.forEach((host, index) => {
			const at = (field: string) => {
				const line = lineOfPath(text, ["pops", pop, "hosts", index, field]);
				return `${source}${line === undefined ? "" : `:${line}`}: pops.${pop}.hosts[${index}].${field}`;
			};
			if (names.has(host.name))
				throw new InventoryError(`${at("name")}: ${host.name} is listed twice`);
			names.add(host.name);
			if (host.via === "local") {
				if (localPorts.has(host.port))
					throw new InventoryError(`${at("port")}: ${host.port} is used by another local host`);
				localPorts.add(host.port);
			}
		});
	}
}

function fieldName(path: readonly (string | number)[]): string {
	return path
		.map((segment, i) =>
			typeof segment === "number" ? `[${segment}]` : i === 0 ? segment : `.${segment}`,
		)
		.join("");
}
