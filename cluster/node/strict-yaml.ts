/**
 * YAML as the operator wrote it, or why not: Bun.YAML's parse, plus what that parser drops
 * or changes without a word (a key written twice: it keeps the last; a plain key it reads
 * as a number spelled otherwise), found in the text by edge/config/yaml-keys.ts. Every
 * file an operator writes (cluster file, hosts file, POP files, inventory) is read here.
 */
import { yamlKeyProblem } from "../../edge/config/yaml-keys.ts";

export type StrictYaml =
	| { readonly ok: true; readonly value: unknown }
	| { readonly ok: false; readonly message: string };

/** `invalid` names a file that does not parse at all ("not valid YAML" by default). */
export function parseStrictYaml(text: string, invalid = "not valid YAML"): StrictYaml {
	let value: unknown;
	try {
		value = Bun.YAML.parse(text);
	} catch (error) {
		return { ok: false, message: `${invalid}: ${(error as Error).message}` };
	}
	const problem = yamlKeyProblem(text, (plain) => Bun.YAML.parse(plain));
	return problem === undefined ? { ok: true, value } : { ok: false, message: problem };
}
