/** A valid POP config document (the shape of pops/fra1.yaml), for tests to vary. */
export const fra1 = {
	name: "fra1",
	region: "eu-central",
	listen: { host: "127.0.0.1", port: 8101 },
	origin: "http://127.0.0.1:9101",
	tiers: { memoryMb: 256 },
};
