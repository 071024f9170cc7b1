import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { SuperJSON } from "superjson";
import * as v from "valibot";
import {
	decodePayload,
	describePayloadError,
	encodePayload,
	jsonCodec,
} from "../../cluster/transport/codec.ts";
import { type Sample, SampleSchema, sample } from "./harness.ts";

const text = (s: string) => new TextEncoder().encode(s);

describe("payload codec", () => {
	test("Uint8Array entry data round-trips as bytes, as base64 on the wire", () => {
		const message = sample(1, 2, 3, [0, 1, 127, 128, 255]);
		const bytes = encodePayload(message);
		expect(new TextDecoder().decode(bytes)).toContain('"data":"AAF/gP8="');
		const decoded = decodePayload(bytes, SampleSchema);
		expect(decoded).toEqual({ ok: true, value: message });
		if (decoded.ok) expect(decoded.value.entries[0]?.data).toBeInstanceOf(Uint8Array);
	});

	test("a Buffer and a view into a larger buffer send only their own bytes", () => {
		const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
		const message: Sample = {
			...sample(1, 2, 1),
			entries: [
				{ index: 1, term: 1, data: backing.subarray(2, 5) },
				{ index: 2, term: 1, data: Buffer.from([4, 5]) },
			],
		};
		const decoded = decodePayload(encodePayload(message), SampleSchema);
		if (!decoded.ok) throw new Error(describePayloadError(decoded.error));
		expect(decoded.value.entries.map((e) => [...e.data])).toEqual([
			[1, 2, 3],
			[4, 5],
		]);
		expect(Object.getPrototypeOf(decoded.value.entries[1]?.data)).toBe(Uint8Array.prototype);
	});

	test("why the custom transformer: plain superjson loses a Buffer", () => {
		const plain = new SuperJSON();
		expect(() => plain.parse(plain.stringify({ data: Buffer.from([1]) }))).toThrow(
			"unknown typed array",
		);
	});

	test("property: any entries round-trip", () => {
		fc.assert(
			fc.property(
				fc.array(
					fc.record({
						index: fc.integer({ min: 1 }),
						term: fc.nat(),
						data: fc.uint8Array({ maxLength: 64 }),
					}),
					{
						maxLength: 8,
					},
				),
				fc.nat(),
				(entries, term) => {
					const message: Sample = { from: 1, to: 2, type: "vote", term, entries };
					expect(decodePayload(encodePayload(message), SampleSchema)).toEqual({
						ok: true,
						value: message,
					});
				},
			),
			{ numRuns: 200 },
		);
	});

	test("bytes that are not UTF-8, not JSON or not superjson are undecodable", () => {
		for (const bad of [
			new Uint8Array([0xff, 0xfe]),
			text("{not json"),
			text("null"),
			text("[1,2]"),
			text('{"meta":{}}'),
		]) {
			const decoded = decodePayload(bad, SampleSchema);
			expect(decoded.ok).toBe(false);
			if (!decoded.ok) expect(decoded.error.kind).toBe("undecodable");
		}
	});

	test("bytes must be canonical base64, and superjson's number-array form is refused", () => {
		const schema = v.object({ d: v.instance(Uint8Array) });
		const notBase64 = decodePayload(
			text('{"json":{"d":"AQ!="},"meta":{"values":{"d":[["custom","u8"]]}}}'),
			schema,
		);
		expect(notBase64).toEqual({
			ok: false,
			error: { kind: "undecodable", detail: "bytes are not canonical base64" },
		});
		const typed = decodePayload(
			text('{"json":{"d":[1,300]},"meta":{"values":{"d":[["typed-array","Uint8Array"]]}}}'),
			schema,
		);
		expect(typed).toEqual({
			ok: false,
			error: { kind: "undecodable", detail: "typed arrays must travel as base64 (u8)" },
		});
	});

	test("a message that fails the schema names the field", () => {
		const bad = { ...sample(1, 2, 1, [1]), term: -1 };
		const decoded = decodePayload(encodePayload(bad), SampleSchema);
		expect(decoded.ok).toBe(false);
		if (decoded.ok) return;
		expect(decoded.error.kind).toBe("schema");
		expect(describePayloadError(decoded.error)).toStartWith("payload fails the schema: term:");
		const stringData = { ...sample(1, 2, 1), entries: [{ index: 1, term: 1, data: "AQ==" }] };
		const decoded2 = decodePayload(encodePayload(stringData), SampleSchema);
		expect(!decoded2.ok && describePayloadError(decoded2.error)).toContain("entries.0.data");
	});
});

describe("plain JSON codec", () => {
	const json = (message: unknown) => encodePayload(message, jsonCodec);
	const parse = <T>(bytes: Uint8Array, schema: v.GenericSchema<unknown, T>) =>
		decodePayload(bytes, schema, jsonCodec);

	test("plain JSON on the wire; bytes as {$u8: base64}, back as a Uint8Array", () => {
		const message = sample(1, 2, 3, [0, 1, 127, 128, 255]);
		const bytes = json(message);
		expect(JSON.parse(new TextDecoder().decode(bytes)).entries[0].data).toEqual({
			$u8: "AAF/gP8=",
		});
		const decoded = parse(bytes, SampleSchema);
		expect(decoded).toEqual({ ok: true, value: message });
		if (decoded.ok) expect(decoded.value.entries[0]?.data).toBeInstanceOf(Uint8Array);
		const view = new Uint8Array([9, 1, 2, 9]).subarray(1, 3);
		const viewed = parse(
			json({ ...sample(1, 2, 1), entries: [{ index: 1, term: 1, data: view }] }),
			SampleSchema,
		);
		expect(viewed.ok && [...(viewed.value.entries[0]?.data ?? [])]).toEqual([1, 2]);
	});

	test("property: any entries round-trip", () => {
		fc.assert(
			fc.property(
				fc.array(
					fc.record({
						index: fc.integer({ min: 1 }),
						term: fc.nat(),
						data: fc.uint8Array({ maxLength: 64 }),
					}),
					{ maxLength: 8 },
				),
				fc.nat(),
				(entries, term) => {
					const message: Sample = { from: 1, to: 2, type: "vote", term, entries };
					expect(parse(json(message), SampleSchema)).toEqual({ ok: true, value: message });
				},
			),
			{ numRuns: 200 },
		);
	});

	test("a string that looks like a tag stays a string; a bad tag or bad bytes are undecodable", () => {
		const schema = v.strictObject({ s: v.string() });
		expect(parse(json({ s: '{"$u8":"AQ=="}' }), schema)).toEqual({
			ok: true,
			value: { s: '{"$u8":"AQ=="}' },
		});
		expect(parse(text('{"d":{"$u8":"AQ!="}}'), v.object({ d: v.unknown() }))).toEqual({
			ok: false,
			error: { kind: "undecodable", detail: "bytes are not canonical base64" },
		});
		for (const bad of [new Uint8Array([0xff, 0xfe]), text("{not json")]) {
			const decoded = parse(bad, SampleSchema);
			expect(!decoded.ok && decoded.error.kind).toBe("undecodable");
		}
	});

	test("the schema still decides: a bad field is named, a superjson envelope is refused", () => {
		const bad = parse(json({ ...sample(1, 2, 1, [1]), term: -1 }), SampleSchema);
		expect(!bad.ok && describePayloadError(bad.error)).toStartWith(
			"payload fails the schema: term:",
		);
		const other = parse(encodePayload(sample(1, 2, 1)), SampleSchema);
		expect(!other.ok && other.error.kind).toBe("schema");
	});
});
