/**
 * The document `neuroctl pop-config set NAME FILE` sends: the file read and parsed as YAML
 * (JSON is YAML too), as pops/NAME.yaml files are. Only parsed here; the node validates it
 * against the POP config schema and refuses (exit 5) what does not fit.
 */
import { parseStrictYaml } from "../node/strict-yaml.ts";
import { UsageError } from "./args.ts";

export async function readPopConfigFile(path: string): Promise<unknown> {
	const file = Bun.file(path);
	if (!(await file.exists())) throw new UsageError(`FILE: ${path}: no such file`);
	const text = await file.text();
	// A key written twice (a route lost), or read as a number spelled otherwise: the node
	// only ever sees the parsed document, so this is the last place either shows.
	const parsed = parseStrictYaml(text, "not valid YAML or JSON");
	if (!parsed.ok) throw new UsageError(`FILE: ${path}: ${parsed.message}`);
	return parsed.value;
}
