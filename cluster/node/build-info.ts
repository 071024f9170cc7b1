/**
 * What a POP binary knows about its own build. scripts/build-pop.ts defines NEURO_BUILD
 * (`bun build --define`) as a JSON string; `bun run node.ts` has no such constant, and
 * then this is undefined: a development run, configured by flags and env alone.
 */
import * as v from "valibot";
import { type PopConfig, validatePopConfig } from "./pop-config.ts";

declare const NEURO_BUILD: string | undefined;

export type BuildInfo = {
	readonly version: string;
	/** `git rev-parse --short=12 HEAD` at build time, "+dirty" with uncommitted changes. */
	readonly commit: string;
	readonly builtAt: string;
	readonly pop: PopConfig;
};

const BakedSchema = v.object({
	version: v.string(),
	commit: v.string(),
	builtAt: v.string(),
	pop: v.unknown(),
});

/** The baked build, checked; a binary whose baked data does not check is refused. */
export function bakedBuild(): BuildInfo | undefined {
	if (typeof NEURO_BUILD !== "string") return undefined;
	const raw = v.parse(BakedSchema, JSON.parse(NEURO_BUILD));
	return { ...raw, pop: validatePopConfig(raw.pop, "baked POP config") };
}

/** The `--version` line: version, POP and commit (or that this is a development run). */
export function versionLine(version: string, build: BuildInfo | undefined): string {
	if (build === undefined) return `neurocache ${version} pop=none commit=unknown (development run)`;
	const { pop } = build;
	return `neurocache ${build.version} pop=${pop.name} region=${pop.region} commit=${build.commit} built=${build.builtAt}`;
}
