/**
 * Typed slab errors. Both slab implementations throw exactly these, mapped from the
 * negative codes the Zig C ABI returns (see `ErrorCode` in native/slab.zig).
 */

export const SlabErrorCode = {
	SlabFull: -1,
	ObjectTooLarge: -2,
	InvalidArgument: -3,
	StaleHandle: -4,
	DoubleFree: -5,
	OutOfBounds: -6,
} as const;
export type SlabErrorCode = (typeof SlabErrorCode)[keyof typeof SlabErrorCode];

export class SlabError extends Error {
	constructor(
		message: string,
		readonly code: SlabErrorCode,
	) {
		super(message);
		this.name = new.target.name;
	}
}

/** No free slot of the needed class and no pages left to carve a new span from. */
export class SlabFullError extends SlabError {
	constructor(size: number) {
		super(`slab full: no room for an object of ${size} bytes`, SlabErrorCode.SlabFull);
	}
}

/** Larger than the largest size class (1 MiB): belongs in a lower tier. */
export class ObjectTooLargeError extends SlabError {
	constructor(size: number) {
		super(`object of ${size} bytes exceeds the largest slab class`, SlabErrorCode.ObjectTooLarge);
	}
}

export class InvalidArgumentError extends SlabError {
	constructor(what: string) {
		super(`invalid slab argument: ${what}`, SlabErrorCode.InvalidArgument);
	}
}

/** The handle was freed (and maybe reused), or never named a slot of this slab. */
export class StaleHandleError extends SlabError {
	constructor(handle: number) {
		super(`stale or unknown slab handle ${handle}`, SlabErrorCode.StaleHandle);
	}
}

export class DoubleFreeError extends SlabError {
	constructor(handle: number) {
		super(`slab handle ${handle} was already freed`, SlabErrorCode.DoubleFree);
	}
}

/** A write reaching past the size given to alloc. */
export class OutOfBoundsError extends SlabError {
	constructor(handle: number, offset: number, length: number) {
		super(
			`write of ${length} bytes at offset ${offset} is outside object ${handle}`,
			SlabErrorCode.OutOfBounds,
		);
	}
}

/** The slab was closed; its memory is gone. */
export class SlabClosedError extends Error {
	constructor() {
		super("slab is closed");
		this.name = "SlabClosedError";
	}
}

/** Turns a negative C ABI code into its typed error. */
export function errorFromCode(
	code: number,
	context: { handle?: number; size?: number; offset?: number; length?: number; what?: string },
): SlabError {
	const handle = context.handle ?? -1;
	switch (code) {
		case SlabErrorCode.SlabFull:
			return new SlabFullError(context.size ?? -1);
		case SlabErrorCode.ObjectTooLarge:
			return new ObjectTooLargeError(context.size ?? -1);
		case SlabErrorCode.StaleHandle:
			return new StaleHandleError(handle);
		case SlabErrorCode.DoubleFree:
			return new DoubleFreeError(handle);
		case SlabErrorCode.OutOfBounds:
			return new OutOfBoundsError(handle, context.offset ?? -1, context.length ?? -1);
		default:
			return new InvalidArgumentError(context.what ?? `native code ${code}`);
	}
}
