/** Polls `probe` every `everyMs` until it gives a value, or throws after `deadlineMs`. */
export async function pollUntil<T>(
	what: string,
	probe: () => T | undefined | Promise<T | undefined>,
	deadlineMs = 10_000,
	everyMs = 10,
): Promise<T> {
	const deadline = performance.now() + deadlineMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (performance.now() > deadline)
			throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, everyMs));
	}
}
