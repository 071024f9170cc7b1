/**
 * Timers as the edge sees them: injectable, so timeout logic is tested by moving time by
 * hand instead of sleeping.
 */
import type { Clock } from "../store/clock.ts";

export interface TimerHandle {
	cancel(): void;
}

export interface Timers extends Clock {
	/** Runs `fn` once, `ms` from now, unless cancelled first. */
	after(ms: number, fn: () => void): TimerHandle;
}

export const systemTimers: Timers = {
	now: () => Date.now(),
	after(ms, fn) {
		const timer = setTimeout(fn, ms);
		return { cancel: () => clearTimeout(timer) };
	},
};

/** Time that moves only when told to; due callbacks run in deadline order on advance(). */
export class ManualTimers implements Timers {
	#now: number;
	#pending: { at: number; seq: number; fn: () => void; cancelled: boolean }[] = [];
	#seq = 0;

	constructor(start = 0) {
		this.#now = start;
	}

	now(): number {
		return this.#now;
	}

	after(ms: number, fn: () => void): TimerHandle {
		const entry = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn, cancelled: false };
		this.#pending.push(entry);
		return {
			cancel: () => {
				entry.cancelled = true;
			},
		};
	}

	/** Pending, uncancelled callbacks. */
	get pending(): number {
		return this.#pending.filter((p) => !p.cancelled).length;
	}

	advance(ms: number): void {
		if (!(ms >= 0)) throw new RangeError(`time cannot move by ${ms} ms`);
		const target = this.#now + ms;
		for (;;) {
			const due = this.#pending
				.filter((p) => !p.cancelled && p.at <= target)
				.sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
			if (due === undefined) break;
			due.cancelled = true;
			this.#now = due.at;
			due.fn();
		}
		this.#now = target;
		this.#pending = this.#pending.filter((p) => !p.cancelled);
	}
}
