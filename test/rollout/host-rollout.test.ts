import { describe, expect, test } from "bun:test";
import { type Health, type HostDriver, rolloutHost } from "../../scripts/rollout/host-rollout.ts";

/** A driver that records every step and answers health as scripted. */
function scriptedDriver(options: {
	running?: number;
	health?: Health | { failed: string };
	startFails?: boolean;
}) {
	const steps: string[] = [];
	const driver: HostDriver = {
		stage: async () => void steps.push("stage"),
		swap: async () => void steps.push("swap"),
		restore: async () => void steps.push("restore"),
		runningPid: async () => options.running,
		start: async () => {
			steps.push("start");
			if (options.startFails) throw new Error("exec format error");
			return 200;
		},
		awaitHealthy: async (pid) => {
			steps.push(`health ${pid}`);
			return options.health ?? { pid, build: "v2" };
		},
		stop: async (pid) => void steps.push(`stop ${pid}`),
		recordPid: async (pid) => void steps.push(`record ${pid}`),
	};
	return { driver, steps };
}

describe("one host's rollout", () => {
	test("the old process is stopped only after the new one is healthy with the expected build", async () => {
		const { driver, steps } = scriptedDriver({ running: 100 });
		const outcome = await rolloutHost(driver, "v2", 1000, () => {});
		expect(outcome).toEqual({ ok: true, pid: 200 });
		expect(steps).toEqual(["stage", "swap", "start", "health 200", "stop 100", "record 200"]);
	});

	test("a first install has nothing to stop", async () => {
		const { driver, steps } = scriptedDriver({});
		expect((await rolloutHost(driver, "v2", 1000, () => {})).ok).toBe(true);
		expect(steps).toEqual(["stage", "swap", "start", "health 200", "record 200"]);
	});

	test("an unhealthy new process is stopped and the previous binary restored; the old keeps serving", async () => {
		const { driver, steps } = scriptedDriver({ running: 100, health: { failed: "exited with 1" } });
		const outcome = await rolloutHost(driver, "v2", 1000, () => {});
		expect(outcome).toEqual({ ok: false, reason: "exited with 1", rolledBack: true });
		expect(steps).toEqual(["stage", "swap", "start", "health 200", "stop 200", "restore"]);
		expect(steps).not.toContain("stop 100");
	});

	test("a healthy process reporting another build is rolled back too", async () => {
		const { driver, steps } = scriptedDriver({ running: 100, health: { pid: 200, build: "v1" } });
		const outcome = await rolloutHost(driver, "v2", 1000, () => {});
		expect(outcome).toEqual({
			ok: false,
			reason: 'reports build "v1", expected "v2"',
			rolledBack: true,
		});
		expect(steps).toContain("restore");
		expect(steps).not.toContain("stop 100");
	});

	test("a binary that cannot start is rolled back", async () => {
		const { driver, steps } = scriptedDriver({ running: 100, startFails: true });
		const outcome = await rolloutHost(driver, "v2", 1000, () => {});
		expect(outcome.ok).toBe(false);
		expect(steps).toEqual(["stage", "swap", "start", "restore"]);
	});
});
