/**
 * `/v1/pop-config/NAME` (http-api.ts): a POP's replicated config document. GET reads it
 * linearizably (ReadIndex, as keys); PUT sets it whole, DELETE removes it, both through the
 * log. A PUT whose document does not validate against the POP config schema
 * (cluster/node/pop-config.ts), or names another POP, is a 400 and never reaches the log.
 * A write whose client session expired is a 409 session-expired (route-helpers.ts).
 */
import { Hono } from "hono";
import { PopConfigError, validateNewPopConfig } from "../node/pop-config.ts";
import { type PopConfigOp, PopNameSchema } from "../pop-config/command.ts";
import type { PopConfigResult, PopEntry } from "../pop-config/machine.ts";
import type { Answer, CommandAnswer } from "../raft-node/proposal-waiters.ts";
import { MAX_POP_CONFIG_LENGTH } from "./http-api.ts";
import { checkedSegment } from "./path-segment.ts";
import type { RouteHelpers } from "./route-helpers.ts";

export interface PopConfigMember {
	proposePopConfig(
		client: number,
		seq: number,
		op: PopConfigOp,
	): Promise<CommandAnswer<PopConfigResult>>;
	readPopConfig(name: string): Promise<Answer<PopEntry>>;
}

export function popConfigRoutes(member: PopConfigMember, helpers: RouteHelpers): Hono {
	const app = new Hono();
	// `/v1/pop-config/NAME`: the name is the path's third segment.
	const nameOf = (url: string) => checkedSegment(url, 3, "name", PopNameSchema);

	/** Proposes `op`; the machine's answer as HTTP (a refusal after commit is a 409). */
	const write = async (headers: Headers, op: PopConfigOp) => {
		const session = helpers.sessionOf(headers);
		if (!session.ok) return helpers.refuse(session.message);
		const answer = await member.proposePopConfig(session.client, session.seq, op);
		if (answer.kind === "notLeader") return helpers.notLeader(answer.leader);
		if (answer.kind === "session-expired") return helpers.sessionExpired();
		if (answer.kind === "stale-seq") return helpers.staleSeq();
		if (answer.kind === "too-large") return helpers.tooLarge(answer);
		const { result } = answer;
		if (result.kind === "refused") return helpers.conflict("refused", result.message);
		if (result.kind === "set")
			return Response.json({ name: result.name, revision: result.revision });
		return Response.json({ name: result.name, deleted: result.deleted, revision: result.revision });
	};

	app.get("/v1/pop-config/:name", async (c) => {
		const name = nameOf(c.req.url);
		if (!name.ok) return helpers.refuse(name.message);
		const answer = await member.readPopConfig(name.value);
		if (answer.kind === "notLeader") return helpers.notLeader(answer.leader);
		return c.json({ name: name.value, ...answer.result });
	});

	app.put("/v1/pop-config/:name", async (c) => {
		const name = nameOf(c.req.url);
		if (!name.ok) return helpers.refuse(name.message);
		const text = await c.req.text();
		if (text.length > MAX_POP_CONFIG_LENGTH)
			return helpers.refuse(`a POP config is at most ${MAX_POP_CONFIG_LENGTH} characters`);
		let raw: unknown;
		try {
			raw = JSON.parse(text);
		} catch {
			return helpers.refuse("body must be a POP config document as JSON");
		}
		try {
			const config = validateNewPopConfig(raw, "body");
			if (config.name !== name.value)
				return helpers.refuse(`body: name is ${config.name}, but the path names ${name.value}`);
			return write(c.req.raw.headers, { kind: "set", name: name.value, config });
		} catch (error) {
			if (error instanceof PopConfigError) return helpers.refuse(error.message);
			throw error;
		}
	});

	app.delete("/v1/pop-config/:name", (c) => {
		const name = nameOf(c.req.url);
		if (!name.ok) return helpers.refuse(name.message);
		return write(c.req.raw.headers, { kind: "delete", name: name.value });
	});
	return app;
}
