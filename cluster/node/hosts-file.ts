/** Reads the hosts YAML with Bun's parser and hands it to the edge's validation. */
import {
	type HostsConfig,
	HostsConfigError,
	validateHostsConfig,
} from "../../edge/config/hosts.ts";

export function parseHostsYaml(text: string, source: string): HostsConfig {
	let raw: unknown;
	try {
		raw = Bun.YAML.parse(text);
	} catch (error) {
		throw new HostsConfigError(`${source}: not valid YAML: ${(error as Error).message}`);
	}
	return validateHostsConfig(raw, source);
}

export async function loadHostsFile(path: string): Promise<HostsConfig> {
	const file = Bun.file(path);
	if (!(await file.exists())) throw new HostsConfigError(`${path}: no such file`);
	return parseHostsYaml(await file.text(), path);
}
