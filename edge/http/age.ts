/**
 * Age calculation (RFC 9111 §4.2.3). Times are epoch milliseconds from an injected clock;
 * ages are seconds (possibly fractional), like the Age field.
 */

import { clampSeconds, parseDeltaSeconds } from "./delta-seconds.ts";

/**
 * RFC 9111 §5.1: a list-valued Age uses its first member; an invalid value is ignored, which
 * §4.2.3 turns into age_value = 0.
 */
export function parseAgeValue(fieldValue: string | null | undefined): number {
	if (fieldValue === null || fieldValue === undefined) return 0;
	const first = fieldValue.split(",")[0]?.trim() ?? "";
	return parseDeltaSeconds(first) ?? 0;
}

export interface AgeInputs {
	/** request_time: when the request that produced the stored response was sent. */
	readonly requestTimeMs: number;
	/** response_time: when that response was received. */
	readonly responseTimeMs: number;
	readonly nowMs: number;
	/** date_value; undefined when Date is absent or invalid (RFC 9110 §6.6.1: use response_time). */
	readonly dateValueMs: number | undefined;
	/** age_value in seconds: parseAgeValue(Age), 0 if not available. */
	readonly ageValueSeconds: number;
}

/** apparent_age = max(0, response_time - date_value) */
export function apparentAgeSeconds(inputs: AgeInputs): number {
	const dateValueMs = inputs.dateValueMs ?? inputs.responseTimeMs;
	return clampSeconds((inputs.responseTimeMs - dateValueMs) / 1000);
}

/** response_delay = response_time - request_time (never negative, even if the clock stepped back). */
export function responseDelaySeconds(inputs: AgeInputs): number {
	return clampSeconds((inputs.responseTimeMs - inputs.requestTimeMs) / 1000);
}

/** corrected_age_value = age_value + response_delay */
export function correctedAgeValueSeconds(inputs: AgeInputs): number {
	return clampSeconds(inputs.ageValueSeconds + responseDelaySeconds(inputs));
}

/** corrected_initial_age = max(apparent_age, corrected_age_value): the conservative choice. */
export function correctedInitialAgeSeconds(inputs: AgeInputs): number {
	return Math.max(apparentAgeSeconds(inputs), correctedAgeValueSeconds(inputs));
}

/** resident_time = now - response_time */
export function residentTimeSeconds(inputs: AgeInputs): number {
	return clampSeconds((inputs.nowMs - inputs.responseTimeMs) / 1000);
}

/** current_age = corrected_initial_age + resident_time, capped at 2^31 (§1.2.2). */
export function currentAgeSeconds(inputs: AgeInputs): number {
	return clampSeconds(correctedInitialAgeSeconds(inputs) + residentTimeSeconds(inputs));
}
