/**
 * Reads and validates pops/NAME.yaml at build time, so a bad POP file fails the build with
 * the file and field named, before anything is compiled.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import {
	type PopConfig,
	PopConfigError,
	validateNewPopConfig,
} from "../../cluster/node/pop-config.ts";
import { parseStrictYaml } from "../../cluster/node/strict-yaml.ts";

export function popFilePath(popsDir: string, name: string): string {
	return join(popsDir, `${name}.yaml`);
}

/** The rollout's inventory lives beside the POP files; it is not a POP. */
export const INVENTORY_FILE = "inventory.yaml";

/** Every POP in the directory, by name, sorted. */
export function listPops(popsDir: string): string[] {
	if (!existsSync(popsDir)) throw new PopConfigError(`${popsDir}: no such directory`);
	return readdirSync(popsDir)
		.filter((file) => file.endsWith(".yaml") && file !== INVENTORY_FILE)
		.map((file) => basename(file, ".yaml"))
		.sort();
}

export function loadPopFile(popsDir: string, name: string): PopConfig {
	const path = popFilePath(popsDir, name);
	if (!existsSync(path)) throw new PopConfigError(`${path}: no such POP file`);
	// strict-yaml.ts: also a key written twice (a route lost), or read as a number.
	const parsed = parseStrictYaml(readFileSync(path, "utf8"));
	if (!parsed.ok) throw new PopConfigError(`${path}: ${parsed.message}`);
	const pop = validateNewPopConfig(parsed.value, path);
	if (pop.name !== name) {
		throw new PopConfigError(
			`${path}: name: must match the file name (got ${JSON.stringify(pop.name)}, file says ${JSON.stringify(name)})`,
		);
	}
	return pop;
}
