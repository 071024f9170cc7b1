/**
 * A client id drawn from 2^48 values: two clients (or an anonymous write and a client)
 * sharing one by chance would see each other's writes as duplicates, so the space is wide.
 * It stays at or below REGISTERED_CLIENT_BASE (session-table.ts), where registered session
 * ids begin.
 */
export function randomClientId(): number {
	const words = crypto.getRandomValues(new Uint32Array(2));
	// 1 .. 2^48: 16 random bits above 32, all below 10^15 (what the API accepts).
	return 1 + ((words[0] as number) & 0xffff) * 2 ** 32 + (words[1] as number);
}
