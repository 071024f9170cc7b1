/**
 * Prometheus text exposition (format 0.0.4) for the edge: counters, gauges and histograms
 * with labels. Small on purpose: the edge needs a handful of series, and a dependency would
 * be larger than this file.
 */

export type Labels = Readonly<Record<string, string>>;

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeLabelValue(value: string): string {
	return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function escapeHelp(text: string): string {
	return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** `{a="1",b="2"}` with names sorted, so one label set always gives one series. */
function labelText(labels: Labels, extra?: readonly [string, string]): string {
	const pairs = Object.keys(labels)
		.sort()
		.map((name) => `${name}="${escapeLabelValue(labels[name] as string)}"`);
	if (extra !== undefined) pairs.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
	return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}

function formatValue(value: number): string {
	if (value === Number.POSITIVE_INFINITY) return "+Inf";
	if (value === Number.NEGATIVE_INFINITY) return "-Inf";
	return Number.isNaN(value) ? "NaN" : String(value);
}

abstract class Metric {
	constructor(
		readonly name: string,
		readonly help: string,
		readonly labelNames: readonly string[],
	) {
		if (!NAME.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
		for (const label of labelNames) {
			if (!LABEL.test(label) || label.startsWith("__") || label === "le") {
				throw new Error(`invalid label name ${JSON.stringify(label)} for ${name}`);
			}
		}
	}

	protected keyOf(labels: Labels): string {
		const given = Object.keys(labels);
		if (given.length !== this.labelNames.length || !this.labelNames.every((n) => n in labels)) {
			throw new Error(
				`${this.name} takes labels [${this.labelNames.join(", ")}], got [${given.join(", ")}]`,
			);
		}
		return labelText(labels);
	}

	abstract get type(): "counter" | "gauge" | "histogram";
	abstract samples(): string[];

	render(): string {
		return [
			`# HELP ${this.name} ${escapeHelp(this.help)}`,
			`# TYPE ${this.name} ${this.type}`,
			...this.samples(),
		].join("\n");
	}
}

export class Counter extends Metric {
	/** One holder per label set: a bound series increments a field, not a Map entry. */
	readonly #values = new Map<string, { value: number }>();
	get type() {
		return "counter" as const;
	}
	inc(labels: Labels = {}, by = 1): void {
		if (!(by >= 0)) throw new RangeError(`${this.name}: a counter only goes up (got ${by})`);
		this.#holder(this.keyOf(labels)).value += by;
	}
	get(labels: Labels = {}): number {
		return this.#values.get(this.keyOf(labels))?.value ?? 0;
	}
	/**
	 * Mirrors a total kept elsewhere (a tier's evictions, say) at scrape time. A total that
	 * went down means its source restarted: Prometheus reads that as a counter reset.
	 */
	setTotal(labels: Labels, total: number): void {
		if (!(total >= 0))
			throw new RangeError(`${this.name}: a total is never negative (got ${total})`);
		this.#holder(this.keyOf(labels)).value = total;
	}
	/** A series bound to one label set, for hot paths: the label text is built once. */
	series(labels: Labels): CounterSeries {
		const holder = this.#holder(this.keyOf(labels));
		return {
			inc: () => {
				holder.value++;
			},
		};
	}
	samples(): string[] {
		return [...this.#values].map(([key, { value }]) => `${this.name}${key} ${formatValue(value)}`);
	}
	#holder(key: string): { value: number } {
		let holder = this.#values.get(key);
		if (holder === undefined) {
			holder = { value: 0 };
			this.#values.set(key, holder);
		}
		return holder;
	}
}

export interface CounterSeries {
	inc(): void;
}

export class Gauge extends Metric {
	readonly #values = new Map<string, number>();
	get type() {
		return "gauge" as const;
	}
	set(labels: Labels, value: number): void {
		this.#values.set(this.keyOf(labels), value);
	}
	get(labels: Labels = {}): number {
		return this.#values.get(this.keyOf(labels)) ?? 0;
	}
	samples(): string[] {
		return [...this.#values].map(([key, value]) => `${this.name}${key} ${formatValue(value)}`);
	}
}

interface HistogramSeries {
	readonly labels: Labels;
	readonly counts: number[];
	sum: number;
	count: number;
}

export class Histogram extends Metric {
	readonly #series = new Map<string, HistogramSeries>();
	readonly buckets: readonly number[];

	constructor(
		name: string,
		help: string,
		labelNames: readonly string[],
		buckets: readonly number[],
	) {
		super(name, help, labelNames);
		const sorted = [...buckets].sort((a, b) => a - b);
		if (
			sorted.length === 0 ||
			sorted.some((b, i) => !Number.isFinite(b) || (i > 0 && b === sorted[i - 1]))
		) {
			throw new Error(`${name}: buckets must be distinct finite numbers`);
		}
		this.buckets = sorted;
	}

	get type() {
		return "histogram" as const;
	}

	observe(labels: Labels, value: number): void {
		if (Number.isNaN(value)) return;
		const key = this.keyOf(labels);
		let series = this.#series.get(key);
		if (series === undefined) {
			series = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
			this.#series.set(key, series);
		}
		// Stored per bucket, made cumulative when rendered.
		const index = this.buckets.findIndex((bound) => value <= bound);
		if (index >= 0) series.counts[index] = (series.counts[index] as number) + 1;
		series.sum += value;
		series.count++;
	}

	samples(): string[] {
		const lines: string[] = [];
		for (const series of this.#series.values()) {
			let cumulative = 0;
			this.buckets.forEach((bound, i) => {
				cumulative += series.counts[i] as number;
				lines.push(
					`${this.name}_bucket${labelText(series.labels, ["le", formatValue(bound)])} ${cumulative}`,
				);
			});
			lines.push(`${this.name}_bucket${labelText(series.labels, ["le", "+Inf"])} ${series.count}`);
			lines.push(`${this.name}_sum${labelText(series.labels)} ${formatValue(series.sum)}`);
			lines.push(`${this.name}_count${labelText(series.labels)} ${series.count}`);
		}
		return lines;
	}
}

export class Registry {
	readonly #metrics = new Map<string, Metric>();

	counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
		return this.#add(new Counter(name, help, labelNames));
	}

	gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
		return this.#add(new Gauge(name, help, labelNames));
	}

	histogram(
		name: string,
		help: string,
		labelNames: readonly string[],
		buckets: readonly number[],
	): Histogram {
		return this.#add(new Histogram(name, help, labelNames, buckets));
	}

	/** The whole registry in Prometheus text format, ending with a newline. */
	render(): string {
		return `${[...this.#metrics.values()].map((m) => m.render()).join("\n")}\n`;
	}

	#add<T extends Metric>(metric: T): T {
		if (this.#metrics.has(metric.name)) throw new Error(`metric ${metric.name} registered twice`);
		this.#metrics.set(metric.name, metric);
		return metric;
	}
}

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
