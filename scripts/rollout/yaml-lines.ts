/**
 * Finds the line of a value in block-style YAML from its path (keys and list indexes), so
 * a validation error can name the line as well as the field. Bun's YAML parser gives values
 * without positions; this walks the text the way block YAML nests: by indentation.
 * Returns undefined when the path cannot be followed (flow style, anchors...), and callers
 * then name the field alone.
 */
export function lineOfPath(text: string, path: readonly (string | number)[]): number | undefined {
	const lines = text.split("\n");
	let from = 0;
	let parentIndent = -1;
	let line: number | undefined;
	for (const segment of path) {
		const found =
			typeof segment === "number"
				? findListItem(lines, from, parentIndent, segment)
				: findKey(lines, from, parentIndent, segment);
		if (found === undefined) return line;
		line = found.index + 1;
		from = found.index + (typeof segment === "number" ? 0 : 1);
		parentIndent = found.indent;
	}
	return line;
}

interface Found {
	readonly index: number;
	readonly indent: number;
}

function indentOf(line: string): number {
	return line.length - line.trimStart().length;
}

function isContent(line: string): boolean {
	const trimmed = line.trim();
	return trimmed !== "" && !trimmed.startsWith("#");
}

/** A key at the first indentation deeper than the parent's, before the parent block ends. */
function findKey(
	lines: string[],
	from: number,
	parentIndent: number,
	key: string,
): Found | undefined {
	let childIndent: number | undefined;
	for (let i = from; i < lines.length; i++) {
		const line = lines[i] as string;
		if (!isContent(line)) continue;
		// A list item's first key sits after "- ": count the dash as indentation.
		const body = line.trimStart().startsWith("- ") ? line.replace("- ", "  ") : line;
		const indent = indentOf(body);
		if (indent <= parentIndent) return undefined;
		childIndent ??= indent;
		if (indent !== childIndent) continue;
		const trimmed = body.trim();
		if (trimmed === `${key}:` || trimmed.startsWith(`${key}:`)) return { index: i, indent };
	}
	return undefined;
}

/** The n-th "- " item below the parent. */
function findListItem(
	lines: string[],
	from: number,
	parentIndent: number,
	n: number,
): Found | undefined {
	let seen = -1;
	let itemIndent: number | undefined;
	for (let i = from; i < lines.length; i++) {
		const line = lines[i] as string;
		if (!isContent(line)) continue;
		const indent = indentOf(line);
		if (i > from && indent <= parentIndent && !line.trimStart().startsWith("- ")) return undefined;
		if (!line.trimStart().startsWith("- ")) continue;
		itemIndent ??= indent;
		if (indent !== itemIndent) continue;
		seen++;
		if (seen === n) return { index: i, indent };
	}
	return undefined;
}
