/**
 * The simulator's operator: now and then, a random membership change or leadership
 * transfer asked of whichever node leads. Pure choice from the configuration in force and
 * a PRNG; simulation.ts schedules it and hands the choice to the leader's core.
 */
import type { ConfChange, MembershipConfig } from "../raft/membership.ts";
import type { NodeId } from "../raft/messages.ts";
import type { Prng } from "./prng.ts";

export type OperatorAction =
	| { readonly kind: "change"; readonly change: ConfChange }
	| { readonly kind: "transfer"; readonly target: NodeId };

/** Fewer voters than this and the simulator stops removing them (faults need room). */
const MIN_VOTERS = 2;
/** More voters than this and it stops adding them. */
const MAX_VOTERS = 7;

/**
 * One action for leader `leader` of `config`, drawn over every node the run has (`ids`):
 * add a non-member as learner (usually) or straight as voter, promote a learner, remove a
 * member (the leader itself a fair share of the time), or hand leadership to a voter.
 * Undefined when the drawn kind has nothing to act on.
 */
export function chooseOperatorAction(
	rng: Prng,
	config: MembershipConfig,
	leader: NodeId,
	ids: readonly NodeId[],
): OperatorAction | undefined {
	const members = [...config.voters, ...config.learners];
	const outsiders = ids.filter((id) => !members.includes(id));
	const roll = rng.next();
	if (roll < 0.25) {
		const targets = config.voters.filter((id) => id !== leader);
		return targets.length === 0 ? undefined : { kind: "transfer", target: rng.pick(targets) };
	}
	if (roll < 0.5) {
		if (outsiders.length === 0) return undefined;
		const id = rng.pick(outsiders);
		const asVoter = rng.chance(0.2) && config.voters.length < MAX_VOTERS;
		const raftAddress = { host: "sim", port: id };
		return {
			kind: "change",
			change: { kind: asVoter ? "addVoter" : "addLearner", id, raftAddress },
		};
	}
	if (roll < 0.7) {
		if (config.learners.length === 0 || config.voters.length >= MAX_VOTERS) return undefined;
		return { kind: "change", change: { kind: "promote", id: rng.pick(config.learners) } };
	}
	const removable = config.voters.length > MIN_VOTERS ? members : config.learners;
	if (removable.length === 0) return undefined;
	const id = rng.chance(0.3) && removable.includes(leader) ? leader : rng.pick(removable);
	return { kind: "change", change: { kind: "remove", id } };
}
