/** Reads the hosts YAML with Bun's parser and hands it to the edge's validation. */
import {
	type HostsConfig,
	HostsConfigError,
	validateHostsConfig,
} from "../../edge/config/hosts.ts";
import { yamlKeyProblem } from "../../edge/config/yaml-keys.ts";

export function parseHostsYaml(text: string, source: string): HostsConfig {
	let raw: unknown;
	try {
		raw = Bun.YAML.parse(text);
	} catch (error) {
		throw new HostsConfigError(`${source}: not valid YAML: ${(error as Error).message}`);
	}
	// What the parser dropped or changed without a word: a host written twice, a key it
	// read as a number spelled otherwise (edge/config/yaml-keys.ts).
	const problem = yamlKeyProblem(text, (plain) => Bun.YAML.parse(plain));
	if (problem !== undefined) throw new HostsConfigError(`${source}: ${problem}`);
	return validateHostsConfig(raw, source);
}

export async function loadHostsFile(path: string): Promise<HostsConfig> {
	const file = Bun.file(path);
	if (!(await file.exists())) throw new HostsConfigError(`${path}: no such file`);
	return parseHostsYaml(await file.text(), path);
}
