/**
 * The proxy's own series: requests by POP, host label and cache phase, and the time to the
 * origin's response head. Host labels are the configured hosts or "(unknown)", so the
 * series stay few whatever Host headers arrive.
 */
import type { CachePhase } from "../http/cache-phase.ts";
import type { CounterSeries, Histogram, Registry } from "./registry.ts";

export interface RequestMetrics {
	/** Counts one response under its host label and phase. */
	readonly countRequest: (hostLabel: string, phase: CachePhase) => void;
	/** neuro_origin_duration_seconds, by pop and host label. */
	readonly originSeconds: Histogram;
}

export function requestMetrics(metrics: Registry, pop: string): RequestMetrics {
	const requests = metrics.counter("neuro_requests_total", "Requests by cache phase.", [
		"pop",
		"host",
		"phase",
	]);
	const originSeconds = metrics.histogram(
		"neuro_origin_duration_seconds",
		"Time to the origin's response headers.",
		["pop", "host"],
		[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
	);
	// One bound series per host and phase: a hit counts without building a label set.
	const seriesByHost = new Map<string, Map<CachePhase, CounterSeries>>();
	const requestSeries = (host: string, phase: CachePhase): CounterSeries => {
		let byPhase = seriesByHost.get(host);
		if (byPhase === undefined) {
			byPhase = new Map();
			seriesByHost.set(host, byPhase);
		}
		let series = byPhase.get(phase);
		if (series === undefined) {
			series = requests.series({ pop, host, phase });
			byPhase.set(phase, series);
		}
		return series;
	};
	return {
		countRequest: (hostLabel, phase) => requestSeries(hostLabel, phase).inc(),
		originSeconds,
	};
}
