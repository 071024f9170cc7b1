/** Small tools shared by the slab contract suite and its property test. */
import { expect } from "bun:test";
import type { SlabError, SlabErrorCode } from "../../native/errors.ts";
import type { Slab } from "../../native/slab-api.ts";

export const MiB = 2 ** 20;

/** A slab factory as the contract takes it: capacity in bytes to a fresh slab. */
export type MakeSlab = (capacityBytes: number) => Slab;

/**
 * Packs a handle as native/slab.zig lays it out (gen:16 | class:7 | page:16 | slot:14),
 * written out here independently of both slabs so tests pin the layout itself.
 */
export function packHandle(fields: {
	gen: number;
	classIndex: number;
	page: number;
	slot: number;
}): number {
	return fields.gen * 2 ** 37 + fields.classIndex * 2 ** 30 + fields.page * 2 ** 14 + fields.slot;
}

/** The page << 14 | slot part of a handle: equal for two handles naming the same slot. */
export function slotRefOf(handle: number): number {
	return handle % 2 ** 30;
}

/** Runs `body` on a fresh slab and closes it even when an assertion fails. */
export function withSlab(make: MakeSlab, capacityBytes: number, body: (slab: Slab) => void): void {
	const slab = make(capacityBytes);
	try {
		body(slab);
	} finally {
		slab.close();
	}
}

/** The error `action` throws; fails the test when it returns normally instead. */
export function thrownBy(action: () => unknown): unknown {
	try {
		action();
	} catch (error) {
		return error;
	}
	throw new Error("expected the call to throw, but it returned");
}

/** Asserts `action` throws an instance of `errorClass` carrying `code`. */
export function expectSlabError(
	action: () => unknown,
	errorClass: abstract new (...args: never[]) => SlabError,
	code: SlabErrorCode,
): void {
	const error = thrownBy(action);
	expect(error).toBeInstanceOf(errorClass);
	expect((error as SlabError).code).toBe(code);
}

/** Index of the first byte where the two differ (a length mismatch counts), or -1. */
export function firstMismatch(actual: Uint8Array, expected: Uint8Array): number {
	const common = Math.min(actual.length, expected.length);
	for (let i = 0; i < common; i++) {
		if (actual[i] !== expected[i]) return i;
	}
	return actual.length === expected.length ? -1 : common;
}

export function bytesOf(text: string): Uint8Array {
	return new TextEncoder().encode(text);
}
