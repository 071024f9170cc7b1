/**
 * neuroctl: the control plane's command line (`npm run ctl -- ...`). See cluster/ctl/args.ts
 * for the commands; exit codes are in cluster/ctl/client.ts (EXIT).
 */
import type * as v from "valibot";
import { type Command, parseCtlArgs, USAGE, UsageError } from "./ctl/args.ts";
import { resolveCaFile } from "./ctl/ca-file.ts";
import { CtlClient, CtlError, EXIT } from "./ctl/client.ts";
import { readPopConfigFile } from "./ctl/pop-config-file.ts";
import { resolveToken } from "./ctl/token.ts";
import { writeSessionId } from "./ctl/write-session.ts";
import {
	CounterAnswer,
	counterPath,
	GOSSIP_MEMBERS_PATH,
	GossipMembersAnswer,
	RegisterAnswer,
	registerPath,
} from "./kv/crdt-api.ts";
import {
	type AddMemberBody,
	CasAnswer,
	casPath,
	DeleteAnswer,
	KeyAnswer,
	kvPath,
	MembersAnswer,
	PopConfigAnswer,
	PopConfigDeleteAnswer,
	PopConfigWriteAnswer,
	PurgeAnswer,
	popConfigPath,
	StatusAnswer,
	WriteAnswer,
} from "./kv/http-api.ts";
import { sessionHeaders } from "./kv/session-headers.ts";

interface Outcome {
	readonly json: unknown;
	readonly text: string;
	readonly exitCode: number;
}

async function run(client: CtlClient, command: Command): Promise<Outcome> {
	// One write per run: seq 1 of a session registered for it (write-session.ts), sent with
	// every retry of that write, so a retry after a timeout or a leader change is applied once.
	const session = async () => sessionHeaders(await writeSessionId(client), 1);
	switch (command.kind) {
		case "put": {
			const answer = await client.call(
				"PUT",
				kvPath(command.key),
				{ value: command.value },
				WriteAnswer,
				await session(),
			);
			return { json: answer, text: `OK revision ${answer.revision}`, exitCode: EXIT.ok };
		}
		case "get": {
			const answer = await client.call("GET", kvPath(command.key), undefined, KeyAnswer);
			if (answer.value === null)
				return { json: answer, text: `${command.key}: not found`, exitCode: EXIT.notFound };
			return { json: answer, text: answer.value, exitCode: EXIT.ok };
		}
		case "del": {
			const answer = await client.call(
				"DELETE",
				kvPath(command.key),
				undefined,
				DeleteAnswer,
				await session(),
			);
			return {
				json: answer,
				text: answer.deleted
					? `deleted (revision ${answer.revision})`
					: `${command.key}: not found`,
				exitCode: answer.deleted ? EXIT.ok : EXIT.notFound,
			};
		}
		case "cas": {
			const body = { expected: command.expected, value: command.value };
			const answer = await client.call(
				"POST",
				casPath(command.key),
				body,
				CasAnswer,
				await session(),
			);
			if (answer.ok)
				return { json: answer, text: `OK revision ${answer.revision}`, exitCode: EXIT.ok };
			const holds = answer.value === null ? "is absent" : `holds ${JSON.stringify(answer.value)}`;
			return {
				json: answer,
				text: `compare failed: ${command.key} ${holds}`,
				exitCode: EXIT.casFailed,
			};
		}
		case "status": {
			const s = await client.call("GET", "/v1/status", undefined, StatusAnswer);
			const text = `node ${s.id}: ${s.role}, term ${s.term}, leader ${s.leader ?? "unknown"}, commit ${s.commit}, applied ${s.applied}`;
			return { json: s, text, exitCode: EXIT.ok };
		}
		case "members":
			return membersOutcome(await client.call("GET", "/v1/members", undefined, MembersAnswer));
		case "member-add": {
			const body: v.InferInput<typeof AddMemberBody> = {
				id: command.id,
				address: command.address,
				raftAddress: command.raftAddress,
				learner: command.learner,
			};
			return membersOutcome(await client.call("POST", "/v1/members", body, MembersAnswer));
		}
		case "member-remove":
			return membersOutcome(
				await client.call("DELETE", `/v1/members/${command.id}`, undefined, MembersAnswer),
			);
		case "member-promote":
			return membersOutcome(
				await client.call("POST", `/v1/members/${command.id}/promote`, undefined, MembersAnswer),
			);
		case "leader-transfer": {
			const s = await client.call("POST", "/v1/leader/transfer", { to: command.to }, StatusAnswer);
			return {
				json: s,
				text: `leader is now ${s.leader ?? "unknown"} (term ${s.term})`,
				exitCode: EXIT.ok,
			};
		}
		case "purge": {
			const answer = await client.call(
				"POST",
				"/v1/purge",
				command.purge,
				PurgeAnswer,
				await session(),
			);
			const what =
				"url" in answer.purge
					? answer.purge.url
					: "tag" in answer.purge
						? `tag ${answer.purge.tag}`
						: `prefix ${answer.purge.prefix}`;
			const how = answer.purge.soft === true ? "soft-purged" : "purged";
			const again = answer.duplicate ? " (already)" : "";
			return {
				json: answer,
				text: `${how} ${what} at index ${answer.index}${again}`,
				exitCode: EXIT.ok,
			};
		}
		case "pop-config-get": {
			const path = popConfigPath(command.name);
			const answer = await client.call("GET", path, undefined, PopConfigAnswer);
			if (answer.config === null)
				return { json: answer, text: `${command.name}: no config`, exitCode: EXIT.notFound };
			return { json: answer, text: JSON.stringify(answer.config, null, 2), exitCode: EXIT.ok };
		}
		case "pop-config-set": {
			const document = await readPopConfigFile(command.file);
			const path = popConfigPath(command.name);
			const answer = await client.call(
				"PUT",
				path,
				document,
				PopConfigWriteAnswer,
				await session(),
			);
			return { json: answer, text: `OK revision ${answer.revision}`, exitCode: EXIT.ok };
		}
		case "pop-config-del": {
			const path = popConfigPath(command.name);
			const answer = await client.call(
				"DELETE",
				path,
				undefined,
				PopConfigDeleteAnswer,
				await session(),
			);
			return {
				json: answer,
				text: answer.deleted
					? `deleted (revision ${answer.revision})`
					: `${command.name}: no config`,
				exitCode: answer.deleted ? EXIT.ok : EXIT.notFound,
			};
		}
		case "counter-step": {
			// One Idempotency-Key for every attempt (cluster/kv/idempotency-keys.ts): a retry that
			// reaches the node that applied the step answers its value and counts nothing. One
			// that reaches another node counts again there (a counter counts per node).
			const path = counterPath(command.name, command.direction);
			const step = { "idempotency-key": `"${crypto.randomUUID()}"` };
			const answer = await client.call("POST", path, { by: command.by }, CounterAnswer, step);
			return { json: answer, text: String(answer.value), exitCode: EXIT.ok };
		}
		case "counter-get": {
			const answer = await client.call("GET", counterPath(command.name), undefined, CounterAnswer);
			return { json: answer, text: String(answer.value), exitCode: EXIT.ok };
		}
		case "register-set": {
			const body = { value: command.value };
			const answer = await client.call("PUT", registerPath(command.name), body, RegisterAnswer);
			return { json: answer, text: "OK", exitCode: EXIT.ok };
		}
		case "register-get": {
			const path = registerPath(command.name);
			const answer = await client.call("GET", path, undefined, RegisterAnswer);
			if (answer.value === null)
				return { json: answer, text: `${command.name}: never set`, exitCode: EXIT.notFound };
			return { json: answer, text: answer.value, exitCode: EXIT.ok };
		}
		case "gossip-members": {
			const answer = await client.call("GET", GOSSIP_MEMBERS_PATH, undefined, GossipMembersAnswer);
			const text = answer.members
				.map((m) =>
					[
						m.id === answer.self ? `${m.id}*` : String(m.id),
						m.state,
						`inc ${m.incarnation}`,
						m.address,
						m.meta.role,
						m.meta.pop || "-",
						m.meta.edgeAddress || "-",
						m.meta.raftAddress || "-",
					].join("\t"),
				)
				.join("\n");
			return { json: answer, text, exitCode: EXIT.ok };
		}
	}
}

function membersOutcome(answer: v.InferOutput<typeof MembersAnswer>): Outcome {
	const text = answer.members
		.map((m) => [m.id, m.role, m.address, m.raftAddress].filter((f) => f != null).join("\t"))
		.join("\n");
	return { json: answer, text, exitCode: EXIT.ok };
}

async function main(): Promise<number> {
	let options: ReturnType<typeof parseCtlArgs>;
	try {
		options = parseCtlArgs(process.argv.slice(2), process.env);
	} catch (error) {
		if (!(error instanceof UsageError)) throw error;
		console.error(`neuroctl: ${error.message}\n${USAGE}`);
		return EXIT.usage;
	}
	let token: string | undefined;
	let ca: string | undefined;
	try {
		token = await resolveToken(options.token);
		ca = await resolveCaFile(options.caFile);
	} catch (error) {
		if (!(error instanceof UsageError)) throw error;
		// A token or CA file missing or malformed: nothing was sent.
		console.error(`neuroctl: ${error.message}`);
		return EXIT.usage;
	}
	const client = new CtlClient(options.endpoints, options.timeoutMs, {
		token,
		...(ca === undefined ? {} : { fetch: (url, init) => fetch(url, { ...init, tls: { ca } }) }),
	});
	try {
		const outcome = await run(client, options.command);
		console.log(options.json ? JSON.stringify(outcome.json) : outcome.text);
		return outcome.exitCode;
	} catch (error) {
		if (error instanceof UsageError) {
			// A FILE that cannot be read or parsed: nothing was sent.
			console.error(`neuroctl: ${error.message}`);
			return EXIT.usage;
		}
		if (!(error instanceof CtlError)) throw error;
		if (options.json) console.log(JSON.stringify({ error: error.message }));
		console.error(`neuroctl: ${error.message}`);
		return error.exitCode;
	}
}

process.exitCode = await main();
