/**
 * A client on a raw TCP socket, for requests fetch would not send as written: a Host spelled
 * with escapes or a stray port, a Connection naming Host. The request should carry
 * `Connection: close`, so the whole answer is what arrives before the edge closes.
 */

export interface RawAnswer {
	readonly status: number;
	/** The response head's fields, names lowercased (the last of a repeated name). */
	readonly fields: ReadonlyMap<string, string>;
	readonly body: string;
}

/** Sends `request` (a whole HTTP/1.1 message) to `url`'s host and port; reads to the close. */
export function rawRequest(url: string, request: string): Promise<RawAnswer> {
	const { hostname, port } = new URL(url);
	return new Promise((resolve, reject) => {
		let text = "";
		Bun.connect({
			hostname,
			port: Number(port),
			socket: {
				open: (socket) => void socket.write(request),
				data: (_socket, bytes) => {
					text += new TextDecoder().decode(bytes);
				},
				close: () => resolve(parseAnswer(text)),
				error: (_socket, error) => reject(error),
			},
		}).catch(reject);
	});
}

function parseAnswer(text: string): RawAnswer {
	const end = text.indexOf("\r\n\r\n");
	const [statusLine = "", ...lines] = text.slice(0, end).split("\r\n");
	const fields = new Map<string, string>();
	for (const line of lines) {
		const colon = line.indexOf(":");
		fields.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
	}
	return { status: Number(statusLine.split(" ")[1]), fields, body: text.slice(end + 4) };
}
