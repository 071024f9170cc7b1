/** Room for index `index`: doubles until it fits, keeping contents and filling the rest. */
export function grownInt32(
	array: Int32Array<ArrayBuffer>,
	index: number,
	fill: number,
): Int32Array<ArrayBuffer> {
	if (index < array.length) return array;
	let length = Math.max(array.length, 16);
	while (length <= index) length *= 2;
	const grown = new Int32Array(length).fill(fill);
	grown.set(array);
	return grown;
}

export function grownUint8(array: Uint8Array<ArrayBuffer>, index: number): Uint8Array<ArrayBuffer> {
	if (index < array.length) return array;
	let length = Math.max(array.length, 16);
	while (length <= index) length *= 2;
	const grown = new Uint8Array(length);
	grown.set(array);
	return grown;
}

export function grownFloat64(
	array: Float64Array<ArrayBuffer>,
	index: number,
): Float64Array<ArrayBuffer> {
	if (index < array.length) return array;
	let length = Math.max(array.length, 16);
	while (length <= index) length *= 2;
	const grown = new Float64Array(length);
	grown.set(array);
	return grown;
}
