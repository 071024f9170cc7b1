/**
 * Reads an API answer's body for neuroctl: at most MAX_ANSWER_BYTES (a proxy or a wrong
 * endpoint streaming without end must not fill the machine's memory), then as JSON. What
 * is not JSON is described (its content type and first characters), so a message can say
 * what came back instead of a schema's "received undefined".
 */

/** Far above any answer the API gives (a request body is at most 8 MiB). */
export const MAX_ANSWER_BYTES = 64 * 2 ** 20;

export type AnswerBody =
	| { readonly kind: "json"; readonly value: unknown }
	| { readonly kind: "not-json"; readonly what: string }
	| { readonly kind: "too-big" };

export async function readAnswerBody(
	response: Response,
	maxBytes = MAX_ANSWER_BYTES,
): Promise<AnswerBody> {
	const chunks: Uint8Array[] = [];
	let total = 0;
	if (response.body !== null) {
		const reader = response.body.getReader();
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			total += value.byteLength;
			if (total > maxBytes) {
				await reader.cancel().catch(() => undefined);
				return { kind: "too-big" };
			}
			chunks.push(value);
		}
	}
	const text = new TextDecoder().decode(Buffer.concat(chunks));
	try {
		return { kind: "json", value: JSON.parse(text) };
	} catch {
		const type = response.headers.get("content-type") ?? "no content type";
		const start = text.slice(0, 60).replace(/\s+/g, " ");
		const what =
			text === ""
				? `an empty body (${type})`
				: `${total} bytes of ${type}, starting ${JSON.stringify(start)}`;
		return { kind: "not-json", what };
	}
}
