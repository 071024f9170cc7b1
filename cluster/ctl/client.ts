/**
 * neuroctl's HTTP client: tries the endpoints in turn, follows NotLeader answers to the
 * leader they name, waits out elections (NotLeader with no leader) until its deadline, and
 * checks every answer against its schema. Failures are CtlErrors carrying the exit code.
 * An attempt that neither answers nor fails within ATTEMPT_TIMEOUT_MS (a leader cut off
 * from its quorum holds a write) is dropped and the request tried again elsewhere: writes
 * carry a session (http-api.ts), so a retried write takes effect once. A refusal carries
 * the node's reason (`reason`): `session-expired` tells a client that keeps a session to
 * start a new one, `stale-seq` that the session already applied a later seq (neuroctl's
 * one write per run is seq 1 of a session it registers first, so it meets neither). With a token it sends `Authorization: Bearer <token>` on every attempt, to the
 * endpoints given and to the leaders NotLeader names alike (every member takes the same
 * token); a 401 is a refusal (exit 5) saying whether a token was sent at all.
 */
import * as v from "valibot";
import { ErrorAnswer, NotLeaderAnswer, SessionAnswer, UNAUTHORIZED } from "../kv/http-api.ts";
import { MAX_ANSWER_BYTES, readAnswerBody } from "./answer-body.ts";

export const EXIT = {
	ok: 0,
	notFound: 1,
	usage: 2,
	casFailed: 3,
	unreachable: 4,
	refused: 5,
} as const;

export class CtlError extends Error {
	override name = "CtlError";
	constructor(
		message: string,
		readonly exitCode: number,
		/** A refusal's `error` from the node (e.g. "session-expired"), when it sent one. */
		readonly reason?: string,
		/** A refusal's HTTP status. */
		readonly status?: number,
	) {
		super(message);
	}
}

export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/** How many NotLeader redirects one request follows before giving up (a loop guard). */
const MAX_REDIRECTS = 5;
const ELECTION_RETRY_MS = 100;
/** Longer than an election and a commit take on a healthy cluster. */
export const ATTEMPT_TIMEOUT_MS = 3000;

export interface CtlClientOptions {
	/** The API's bearer token (the nodes' NEURO_ADMIN_TOKEN); none: requests carry none. */
	readonly token?: string | undefined;
	readonly fetch?: Fetch;
	readonly now?: () => number;
	readonly pause?: (ms: number) => Promise<void>;
}

export class CtlClient {
	private readonly token: string | undefined;
	private readonly fetchImpl: Fetch;
	private readonly now: () => number;
	private readonly pause: (ms: number) => Promise<void>;

	constructor(
		private readonly endpoints: readonly string[],
		private readonly timeoutMs: number,
		options: CtlClientOptions = {},
	) {
		this.token = options.token;
		this.fetchImpl = options.fetch ?? ((url, init) => fetch(url, init));
		this.now = options.now ?? Date.now;
		this.pause = options.pause ?? ((ms) => Bun.sleep(ms));
	}

	async call<T>(
		method: string,
		path: string,
		body: unknown,
		schema: v.GenericSchema<unknown, T>,
		/** Sent with every attempt: a write's session headers, so retries are applied once. */
		headers: Readonly<Record<string, string>> = {},
	): Promise<T> {
		const deadline = this.now() + this.timeoutMs;
		const problems: string[] = [];
		while (this.now() < deadline) {
			for (const endpoint of this.endpoints) {
				const answer = await this.#follow(endpoint, { method, path, body, headers }, schema, {
					deadline,
					problems,
				});
				if (answer.done) return answer.value;
			}
			// Every endpoint failed or no leader is known yet: an election may be on.
			await this.pause(Math.min(ELECTION_RETRY_MS, Math.max(0, deadline - this.now())));
		}
		throw new CtlError(
			`no answer from the cluster within ${this.timeoutMs} ms (${[...new Set(problems)].slice(-3).join("; ") || "no endpoint answered"})`,
			EXIT.unreachable,
		);
	}

	/**
	 * A new client session (POST /v1/sessions): the id its writes carry from seq 1 on. An
	 * attempt that gets no answer is tried again; at worst that registers a session no one
	 * uses, which expires as any other.
	 */
	async registerSession(): Promise<number> {
		return (await this.call("POST", "/v1/sessions", undefined, SessionAnswer)).client;
	}

	async #follow<T>(
		start: string,
		request: {
			readonly method: string;
			readonly path: string;
			readonly body: unknown;
			readonly headers: Readonly<Record<string, string>>;
		},
		schema: v.GenericSchema<unknown, T>,
		{ deadline, problems }: { readonly deadline: number; readonly problems: string[] },
	): Promise<{ done: true; value: T } | { done: false }> {
		const { method, path, body } = request;
		let endpoint = start;
		for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
			let response: Response;
			try {
				response = await this.fetchImpl(`${endpoint}${path}`, {
					method,
					headers: {
						...request.headers,
						...(body === undefined ? {} : { "content-type": "application/json" }),
						...(this.token === undefined ? {} : { authorization: `Bearer ${this.token}` }),
					},
					...(body === undefined ? {} : { body: JSON.stringify(body) }),
					signal: AbortSignal.timeout(
						Math.max(1, Math.min(ATTEMPT_TIMEOUT_MS, deadline - this.now())),
					),
				});
			} catch (error) {
				problems.push(`${endpoint}: ${(error as Error).message}`);
				return { done: false };
			}
			let answer: Awaited<ReturnType<typeof readAnswerBody>>;
			try {
				answer = await readAnswerBody(response);
			} catch (error) {
				// The connection broke, or the attempt's timeout struck, mid-body.
				problems.push(`${endpoint}: ${(error as Error).message}`);
				return { done: false };
			}
			if (answer.kind === "too-big")
				throw new CtlError(
					`${endpoint} sent an answer over ${MAX_ANSWER_BYTES} bytes: not the cluster API?`,
					EXIT.refused,
				);
			const payload = answer.kind === "json" ? answer.value : undefined;
			if (response.status === 503) {
				const notLeader = v.safeParse(NotLeaderAnswer, payload);
				if (notLeader.success && notLeader.output.leader !== null) {
					endpoint = notLeader.output.leader;
					continue;
				}
				// Not a NotLeader (e.g. gossip still starting): say what the node said, and retry.
				const busy = v.safeParse(ErrorAnswer, payload);
				problems.push(`${endpoint}: ${busy.success ? busy.output.message : "no leader known"}`);
				return { done: false };
			}
			// Every member takes the same token: another endpoint would refuse it too.
			if (response.status === 401)
				throw new CtlError(
					`${endpoint} refused: ${this.#unauthorized()}`,
					EXIT.refused,
					UNAUTHORIZED,
				);
			if (response.status >= 400) {
				const error = v.safeParse(ErrorAnswer, payload);
				const why = error.success ? error.output.message : `HTTP ${response.status}`;
				const reason = error.success ? error.output.error : undefined;
				throw new CtlError(`${endpoint} refused: ${why}`, EXIT.refused, reason, response.status);
			}
			if (answer.kind === "not-json")
				throw new CtlError(
					`${endpoint} sent an answer that is not JSON (${answer.what}): not the cluster API?`,
					EXIT.refused,
				);
			const parsed = v.safeParse(schema, payload);
			if (!parsed.success)
				throw new CtlError(
					`${endpoint} sent an unexpected answer: ${parsed.issues[0].message}`,
					EXIT.refused,
				);
			return { done: true, value: parsed.output };
		}
		problems.push(`${start}: more than ${MAX_REDIRECTS} NotLeader redirects`);
		return { done: false };
	}

	#unauthorized(): string {
		return this.token === undefined
			? "the cluster API requires a token: set NEURO_ADMIN_TOKEN or pass --token-file PATH"
			: "the token (from NEURO_ADMIN_TOKEN or --token-file) is not the cluster's";
	}
}
