/**
 * Picks the slab implementation: the Zig slab through bun:ffi on Bun, the pure-TS twin
 * wherever bun:ffi is missing (Node, Deno, Workers). NEURO_SLAB=ts|ffi forces one.
 * On Bun a missing native library is an install problem, reported as such, not silently
 * papered over with the slower twin. The exception is a compiled POP binary that cannot
 * unpack its embedded library (say, a temp dir mounted noexec or not writable): with
 * "auto" it warns on stderr and runs on the twin, since there is nothing to reinstall.
 */
import type { Slab, SlabOptions } from "./slab-api.ts";
import { TsSlab } from "./slab-ts.ts";

export type SlabImplementation = "auto" | "ffi" | "ts";

export function hasBunFfi(): boolean {
	return typeof globalThis.Bun !== "undefined";
}

function requested(explicit: SlabImplementation | undefined): SlabImplementation {
	if (explicit !== undefined && explicit !== "auto") return explicit;
	const env = typeof process !== "undefined" ? process.env.NEURO_SLAB : undefined;
	if (env === "ts" || env === "ffi") return env;
	if (env !== undefined && env !== "" && env !== "auto") {
		throw new Error(`NEURO_SLAB must be "ffi", "ts" or "auto", got ${JSON.stringify(env)}`);
	}
	return "auto";
}

export async function createSlab(
	options: SlabOptions & { readonly implementation?: SlabImplementation },
): Promise<Slab> {
	const choice = requested(options.implementation);
	if (choice === "ts" || (choice === "auto" && !hasBunFfi())) return new TsSlab(options);
	if (!hasBunFfi()) throw new Error('the native slab needs Bun (bun:ffi); use the "ts" slab here');
	let module: typeof import("./slab.ts");
	try {
		module = await import("./slab.ts");
	} catch (cause) {
		throw new Error("native slab library failed to load; run `npm run build:native`", { cause });
	}
	if (choice === "auto" && module.isEmbeddedLibrary()) {
		try {
			return new module.FfiSlab(options);
		} catch (error) {
			if (!(error instanceof module.LibraryLoadError)) throw error;
			console.error(
				`WARN native slab unavailable in this binary (${describe(error)}); using the TS slab`,
			);
			return new TsSlab(options);
		}
	}
	return new module.FfiSlab(options);
}

function describe(error: Error): string {
	const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
	return `${error.message}${cause}`;
}

export type { Slab, SlabOptions } from "./slab-api.ts";
