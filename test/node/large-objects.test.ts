/**
 * `--large-mb` as a real node.ts process with its demo origin: objects above the slab's
 * 1 MiB gate are cached beside it by default, and stream through uncached with 0.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { sizedBody } from "../../edge/demo-origin.ts";
import { NODE_ENTRY, type NodeProcess, startNode } from "./node-process.ts";

const NODE = [process.execPath, NODE_ENTRY];
const PATH = `/bytes/${3 * 2 ** 20}`;

const started: NodeProcess[] = [];
afterAll(() => {
	for (const node of started) node.kill();
});

async function twice(args: string[]): Promise<{ statuses: (string | null)[]; line: string }> {
	const node = await startNode(NODE, ["--port", "0", "--memory-mb", "8", "--demo", ...args]);
	started.push(node);
	const statuses: (string | null)[] = [];
	for (let i = 0; i < 2; i++) {
		const response = await fetch(`${node.url}${PATH}`);
		const body: Uint8Array = new Uint8Array(await response.arrayBuffer());
		expect(body).toEqual(sizedBody(3 * 2 ** 20));
		statuses.push(response.headers.get("cache-status"));
	}
	return { statuses, line: node.lines.find((line) => line.includes("L0 8 MiB")) ?? "" };
}

describe("objects over 1 MiB (--large-mb)", () => {
	test("cached by default: the second request is a hit", async () => {
		const { statuses, line } = await twice([]);
		expect(statuses[0]).toContain("fwd=uri-miss");
		expect(statuses[1]).toMatch(/^NeuroCache;hit/);
		expect(line).toContain("objects over 1 MiB in 256 MiB beside it, each up to 64 MiB");
	});

	test("--large-mb 0: every request goes to the origin", async () => {
		const { statuses, line } = await twice(["--large-mb", "0"]);
		for (const status of statuses) expect(status).toContain("fwd=uri-miss");
		expect(line).toContain("objects over 1 MiB not cached");
	});
});
