/**
 * The Zig slab (native/slab.zig) through bun:ffi. Bun only: import it through
 * native/index.ts, which falls back to the pure-TS twin where bun:ffi is missing.
 *
 * The mmap'ed arena is seen through one buffer per span (toArrayBuffer, made on first
 * use: arena-spans.ts), so a read costs one FFI call to validate the handle and locate the
 * object, then a view: no copy.
 * Views obey the rule in slab-api.ts: valid until the handle is freed or the slab closed.
 */
import { dlopen, FFIType, type Pointer, toArrayBuffer } from "bun:ffi";
import { ArenaSpans } from "./arena-spans.ts";
import {
	SlabErrorCode as Codes,
	errorFromCode,
	InvalidArgumentError,
	SlabClosedError,
	type SlabErrorCode,
} from "./errors.ts";
import { isEmbedded, LibraryLoadError, withLoadablePath } from "./library-file.ts";
import libraryPath from "./libslab.so" with { type: "file" };
import { MAX_OBJECT, MAX_PAGES, PAGE_SIZE, slotOffsetInSpan } from "./size-classes.ts";
import type { Slab, SlabClassStats, SlabHandle, SlabOptions, SlabStats } from "./slab-api.ts";
import { drainRefusal, releaseRefusal } from "./span-refusals.ts";

const { u64, i64_fast, i32, u32, ptr } = FFIType;

function openLibrary() {
	try {
		return withLoadablePath(libraryPath, openAt);
	} catch (cause) {
		if (cause instanceof LibraryLoadError) throw cause;
		throw new LibraryLoadError(`cannot load the native slab library (${libraryPath})`, { cause });
	}
}

function openAt(path: string) {
	return dlopen(path, {
		nc_slab_init: { args: [u64], returns: ptr },
		nc_slab_deinit: { args: [ptr], returns: FFIType.void },
		nc_slab_alloc: { args: [ptr, u64], returns: i64_fast },
		nc_slab_free: { args: [ptr, u64], returns: i32 },
		nc_slab_write: { args: [ptr, u64, u64, ptr, u64], returns: i32 },
		nc_slab_len: { args: [ptr, u64], returns: i64_fast },
		nc_slab_offset: { args: [ptr, u64], returns: i64_fast },
		nc_slab_arena: { args: [ptr], returns: ptr },
		nc_slab_span_live: { args: [ptr, u32], returns: i64_fast },
		nc_slab_reclaim_candidate: { args: [ptr, u32], returns: i64_fast },
		nc_slab_drain_span: { args: [ptr, u32], returns: i32 },
		nc_slab_release_span: { args: [ptr, u32], returns: i32 },
		nc_slab_stats: { args: [ptr, ptr, u32], returns: i32 },
		nc_slab_class_stats: { args: [ptr, u32, ptr], returns: i32 },
		nc_slab_class_count: { args: [], returns: u32 },
		nc_slab_class_size: { args: [u32], returns: u32 },
	}).symbols;
}

type SlabSymbols = ReturnType<typeof openLibrary>;
let symbolsOnce: SlabSymbols | undefined;

/** The library's exports, loaded on first use. */
export function slabSymbols(): SlabSymbols {
	symbolsOnce ??= openLibrary();
	return symbolsOnce;
}

/** True in a compiled binary, where the library travels inside the executable. */
export function isEmbeddedLibrary(): boolean {
	return isEmbedded(libraryPath);
}

export { LibraryLoadError };

/** Handles are below 2^53; anything else is refused before it reaches native code. */
function isHandleShaped(handle: number): boolean {
	return Number.isSafeInteger(handle) && handle >= 0;
}

/** Page and class numbers cross the C ABI as u32. */
function isU32(value: number): boolean {
	return Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff;
}

export class FfiSlab implements Slab {
	readonly kind = "ffi" as const;
	readonly capacityBytes: number;
	#slab: Pointer | null;
	readonly #spans: ArenaSpans;
	readonly #lib: SlabSymbols;
	readonly #statsOut = new BigUint64Array(6);
	readonly #classOut = new BigUint64Array(3);

	constructor(options: SlabOptions) {
		const capacity = options.capacityBytes;
		if (
			!Number.isSafeInteger(capacity) ||
			capacity < PAGE_SIZE ||
			capacity > MAX_PAGES * PAGE_SIZE
		) {
			throw new InvalidArgumentError(
				`capacity ${capacity} must be an integer from 1 MiB to ${MAX_PAGES} MiB`,
			);
		}
		this.#lib = slabSymbols();
		const slab = this.#lib.nc_slab_init(capacity) as Pointer | null;
		if (slab === null)
			throw new InvalidArgumentError(`the kernel refused a ${capacity}-byte arena`);
		this.#slab = slab;
		this.capacityBytes = Math.floor(capacity / PAGE_SIZE) * PAGE_SIZE;
		const base = this.#lib.nc_slab_arena(slab);
		if (base === null) throw new InvalidArgumentError("native slab has no arena");
		this.#spans = new ArenaSpans(
			this.capacityBytes / PAGE_SIZE,
			(first, pages) => new Uint8Array(toArrayBuffer(base, first * PAGE_SIZE, pages * PAGE_SIZE)),
		);
	}

	#live(): Pointer {
		if (this.#slab === null) throw new SlabClosedError();
		return this.#slab;
	}

	tryAlloc(size: number): number {
		const slab = this.#live();
		if (!Number.isInteger(size) || size < 0) return Codes.InvalidArgument;
		if (size > MAX_OBJECT) return Codes.ObjectTooLarge;
		return this.#lib.nc_slab_alloc(slab, size) as number;
	}

	alloc(size: number): SlabHandle {
		const result = this.tryAlloc(size);
		if (result < 0) throw errorFromCode(result, { size });
		return result;
	}

	free(handle: SlabHandle): void {
		const slab = this.#live();
		const result = isHandleShaped(handle)
			? this.#lib.nc_slab_free(slab, handle)
			: Codes.StaleHandle;
		if (result < 0) throw errorFromCode(result, { handle });
	}

	write(handle: SlabHandle, offset: number, bytes: Uint8Array): void {
		const slab = this.#live();
		let result: number;
		if (!isHandleShaped(handle)) result = Codes.StaleHandle;
		else if (!Number.isSafeInteger(offset) || offset < 0) result = Codes.InvalidArgument;
		else if (bytes.byteLength === 0) {
			// A null pointer with length 0 is how the C ABI takes an empty write.
			result = this.#lib.nc_slab_write(slab, handle, offset, null, 0);
		} else result = this.#lib.nc_slab_write(slab, handle, offset, bytes, bytes.byteLength);
		if (result < 0) throw errorFromCode(result, { handle, offset, length: bytes.byteLength });
	}

	read(handle: SlabHandle): Uint8Array {
		const slab = this.#live();
		const offset = isHandleShaped(handle) ? (this.#lib.nc_slab_offset(slab, handle) as number) : -4;
		if (offset < 0) throw errorFromCode(offset, { handle });
		const length = this.#lib.nc_slab_len(slab, handle) as number;
		// The handle is live (the library said so): its span and offset follow from it.
		return new Uint8Array(this.#spans.spanOf(handle).buffer, slotOffsetInSpan(handle), length);
	}

	size(handle: SlabHandle): number {
		const slab = this.#live();
		const result = isHandleShaped(handle)
			? (this.#lib.nc_slab_len(slab, handle) as number)
			: Codes.StaleHandle;
		if (result < 0) throw errorFromCode(result, { handle });
		return result;
	}

	spans(): ArenaSpans {
		this.#live();
		return this.#spans;
	}

	reclaimCandidate(classIndex: number): number {
		const slab = this.#live();
		if (!isU32(classIndex)) return -1;
		return this.#lib.nc_slab_reclaim_candidate(slab, classIndex) as number;
	}

	spanLive(page: number): number {
		const slab = this.#live();
		const result = isU32(page)
			? (this.#lib.nc_slab_span_live(slab, page) as number)
			: Codes.InvalidArgument;
		if (result < 0) throw errorFromCode(result, { what: `no span begins at page ${page}` });
		return result;
	}

	drainSpan(page: number): void {
		const slab = this.#live();
		const result = isU32(page) ? this.#lib.nc_slab_drain_span(slab, page) : Codes.InvalidArgument;
		if (result < 0) throw errorFromCode(result, { what: drainRefusal(page) });
	}

	releaseSpan(page: number): void {
		const slab = this.#live();
		const result = isU32(page) ? this.#lib.nc_slab_release_span(slab, page) : Codes.InvalidArgument;
		if (result < 0) throw errorFromCode(result, { what: releaseRefusal(page) });
		// The pages may begin a span of another class, of another length, next.
		this.#spans.forget(page);
	}

	stats(): SlabStats {
		const slab = this.#live();
		const out = this.#statsOut;
		this.#lib.nc_slab_stats(slab, out, out.length);
		const classCount = Number(out[5]);
		const classes: SlabClassStats[] = [];
		const classOut = this.#classOut;
		for (let c = 0; c < classCount; c++) {
			this.#lib.nc_slab_class_stats(slab, c, classOut);
			classes.push({
				size: Number(classOut[0]),
				slotsUsed: Number(classOut[1]),
				slotsFree: Number(classOut[2]),
			});
		}
		return {
			capacityBytes: Number(out[0]),
			bytesInUse: Number(out[1]),
			bytesRequested: Number(out[2]),
			pagesUsed: Number(out[3]),
			pagesTotal: Number(out[4]),
			classes,
		};
	}

	close(): void {
		if (this.#slab === null) return;
		this.#lib.nc_slab_deinit(this.#slab);
		this.#slab = null;
		this.#spans.close();
	}
}

/** The class sizes as compiled into the library, for checking the TS table against it. */
export function nativeClassSizes(): number[] {
	const lib = slabSymbols();
	const sizes: number[] = [];
	for (let c = 0; c < lib.nc_slab_class_count(); c++) sizes.push(lib.nc_slab_class_size(c));
	return sizes;
}

export type { SlabErrorCode };
