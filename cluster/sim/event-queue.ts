/**
 * The simulator's virtual clock: callbacks ordered by (time, insertion). Nothing runs in
 * real time; `run` pops events until the end time and moves `now` to each.
 */

interface Event {
	readonly time: number;
	readonly seq: number;
	readonly run: () => void;
}

export class EventQueue {
	now = 0;
	processed = 0;
	private seq = 0;
	private readonly heap: Event[] = [];

	/** Runs `run` `delay` time units from now (0: after what is already due now). */
	after(delay: number, run: () => void): void {
		if (!(delay >= 0)) throw new Error(`negative delay ${delay}`);
		this.push({ time: this.now + delay, seq: this.seq++, run });
	}

	/** Runs events in order until none is due at or before `until`. */
	runUntil(until: number, maxEvents = Number.POSITIVE_INFINITY): void {
		while (this.heap.length > 0 && (this.heap[0] as Event).time <= until) {
			if (this.processed >= maxEvents) throw new Error(`more than ${maxEvents} events`);
			const event = this.pop();
			this.now = event.time;
			this.processed++;
			event.run();
		}
		this.now = Math.max(this.now, until);
	}

	private less(a: Event, b: Event): boolean {
		return a.time < b.time || (a.time === b.time && a.seq < b.seq);
	}

	private push(event: Event): void {
		const heap = this.heap;
		heap.push(event);
		let i = heap.length - 1;
		while (i > 0) {
			const parent = (i - 1) >> 1;
			if (!this.less(heap[i] as Event, heap[parent] as Event)) break;
			[heap[i], heap[parent]] = [heap[parent] as Event, heap[i] as Event];
			i = parent;
		}
	}

	private pop(): Event {
		const heap = this.heap;
		const top = heap[0] as Event;
		const last = heap.pop() as Event;
		if (heap.length > 0) {
			heap[0] = last;
			let i = 0;
			for (;;) {
				const l = 2 * i + 1;
				const r = l + 1;
				let m = i;
				if (l < heap.length && this.less(heap[l] as Event, heap[m] as Event)) m = l;
				if (r < heap.length && this.less(heap[r] as Event, heap[m] as Event)) m = r;
				if (m === i) break;
				[heap[i], heap[m]] = [heap[m] as Event, heap[i] as Event];
				i = m;
			}
		}
		return top;
	}
}
