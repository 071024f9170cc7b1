/** What both slabs say when a span cannot be drained or released (the same words on each). */

export function drainRefusal(page: number): string {
	return `cannot drain page ${page}: no span begins there, or it is draining already`;
}

export function releaseRefusal(page: number): string {
	return `cannot release page ${page}: no drained span without live objects begins there`;
}
