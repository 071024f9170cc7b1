/**
 * The document `neuroctl pop-config set NAME FILE` sends: the file read and parsed as YAML
 * (JSON is YAML too), as pops/NAME.yaml files are. Only parsed here; the node validates it
 * against the POP config schema and refuses (exit 5) what does not fit.
 */
import { UsageError } from "./args.ts";

export async function readPopConfigFile(path: string): Promise<unknown> {
	const file = Bun.file(path);
	if (!(await file.exists())) throw new UsageError(`FILE: ${path}: no such file`);
	try {
		return Bun.YAML.parse(await file.text());
	} catch (error) {
		throw new UsageError(`FILE: ${path}: not valid YAML or JSON: ${(error as Error).message}`);
	}
}
