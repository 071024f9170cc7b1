/**
 * Synthetic request streams that stress what the shared traces may not: a cache policy has
 * to beat LRU on traces nobody has shown it, so these cover the shapes that decide that.
 * Seeded (xorshift32), so a run is reproducible. Each yields object ids; sizes are 1.
 *
 * - zipf: a fixed popularity law (Zipf 0.9 over 100,000 objects): frequency pays;
 * - zipf-shift: Zipf 1.0 whose popular set is replaced every 100,000 requests: recency pays;
 * - age-decay: new objects keep arriving and popularity falls with an object's age, as with
 *   news: LRU is close to optimal, and most policies lose to it;
 * - loop-zipf: half the requests loop over 20,000 objects, half are Zipf 0.8: scans;
 * - fresh-reuse: a popular set plus a stream of new objects, half asked for once more soon
 *   after (fresh content reread minutes later);
 * - lru-stack: an LRU stack model: each request is a new object (10%) or the one at a depth
 *   of the recency stack below 20,000, nearer being likelier (the cube of a uniform draw), so
 *   the last use is the best guide to the next and LRU the best online policy: frequency
 *   only misleads, and every S3-FIFO split loses to LRU at 1%, 10% and 30%.
 */
export const SYNTHETIC_SHAPES = [
	"zipf",
	"zipf-shift",
	"age-decay",
	"loop-zipf",
	"fresh-reuse",
	"lru-stack",
] as const;
export type SyntheticShape = (typeof SYNTHETIC_SHAPES)[number];

export function xorshift(seed: number): () => number {
	let state = seed >>> 0 || 1;
	return () => {
		state ^= state << 13;
		state >>>= 0;
		state ^= state >>> 17;
		state ^= state << 5;
		state >>>= 0;
		return state / 4_294_967_296;
	};
}

/** Ranks 0..n-1 drawn with probability proportional to 1 / (rank + 1)^alpha. */
export function zipfSampler(n: number, alpha: number, random: () => number): () => number {
	const cumulative = new Float64Array(n);
	let sum = 0;
	for (let i = 0; i < n; i++) {
		sum += 1 / (i + 1) ** alpha;
		cumulative[i] = sum;
	}
	return () => {
		const target = random() * sum;
		let low = 0;
		let high = n - 1;
		while (low < high) {
			const middle = (low + high) >> 1;
			if ((cumulative[middle] as number) < target) low = middle + 1;
			else high = middle;
		}
		return low;
	};
}

/** `length` object ids of one shape. */
export function syntheticIds(shape: SyntheticShape, length: number, seed: number): number[] {
	const random = xorshift(seed);
	const ids: number[] = [];
	switch (shape) {
		case "zipf": {
			const zipf = zipfSampler(100_000, 0.9, random);
			for (let i = 0; i < length; i++) ids.push(zipf());
			break;
		}
		case "zipf-shift": {
			const zipf = zipfSampler(50_000, 1.0, random);
			for (let i = 0; i < length; i++) ids.push(Math.floor(i / 100_000) * 1_000_000 + zipf());
			break;
		}
		case "age-decay": {
			const rank = zipfSampler(200_000, 1.1, random);
			let created = 0;
			for (let i = 0; i < length; i++) {
				if (created === 0 || random() < 0.25) ids.push(created++);
				else ids.push(created - 1 - (rank() % created));
			}
			break;
		}
		case "loop-zipf": {
			const zipf = zipfSampler(100_000, 0.8, random);
			for (let i = 0, loop = 0; i < length; i++)
				ids.push(random() < 0.5 ? 10_000_000 + (loop++ % 20_000) : zipf());
			break;
		}
		case "fresh-reuse": {
			const popular = 5000;
			const comingBack: number[] = [];
			for (let i = 0, created = 0; i < length; i++) {
				const draw = random();
				if (draw < 0.3) {
					const id = popular + created++;
					ids.push(id);
					if (random() < 0.5) comingBack.push(id);
				} else if (draw < 0.45 && comingBack.length > 0) {
					ids.push(comingBack.splice(Math.floor(random() * comingBack.length), 1)[0] as number);
				} else {
					ids.push(Math.floor(popular * random() ** 3));
				}
				if (comingBack.length > 500) comingBack.shift();
			}
			break;
		}
		case "lru-stack": {
			// Most recent last: a shallow reuse moves few elements.
			const stack: number[] = [];
			for (let i = 0; i < length; i++) {
				const at = stack.length - 1 - Math.floor(random() ** 3 * 20_000);
				if (at < 0 || random() < 0.1) {
					ids.push(stack.length);
					stack.push(stack.length);
					continue;
				}
				const [id] = stack.splice(at, 1) as [number];
				ids.push(id);
				stack.push(id);
			}
			break;
		}
	}
	return ids;
}

/** The ids as trace CSV lines (`timestamp,key,size`, size 1: object-count mode). */
export function toTraceCsv(ids: readonly number[]): string {
	return `${ids.map((id, i) => `${i},${id},1`).join("\n")}\n`;
}
