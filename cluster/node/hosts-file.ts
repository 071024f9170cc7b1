/** Reads the hosts YAML with Bun's parser and hands it to the edge's validation. */
import {
	type HostsConfig,
	HostsConfigError,
	validateHostsConfig,
} from "../../edge/config/hosts.ts";
import { parseStrictYaml } from "./strict-yaml.ts";

export function parseHostsYaml(text: string, source: string): HostsConfig {
	// strict-yaml.ts: also a host written twice, or a key read as a number spelled otherwise.
	const parsed = parseStrictYaml(text);
	if (!parsed.ok) throw new HostsConfigError(`${source}: ${parsed.message}`);
	return validateHostsConfig(parsed.value, source);
}

export async function loadHostsFile(path: string): Promise<HostsConfig> {
	const file = Bun.file(path);
	if (!(await file.exists())) throw new HostsConfigError(`${path}: no such file`);
	return parseHostsYaml(await file.text(), path);
}
