/**
 * What `npm start` prints about its single-node cluster: where the API is, where the log
 * is, and neuroctl lines to try (naming the endpoint unless it is neuroctl's default).
 */
import { relative } from "node:path";

const CTL_DEFAULT_ENDPOINT = "http://127.0.0.1:2380";

export function controlPlaneHints(
	apiUrl: string,
	dataDir: string,
	gossipAddress?: string,
): string[] {
	const shown = relative(process.cwd(), dataDir);
	const where = shown === "" || shown.startsWith("..") ? dataDir : `./${shown}`;
	const ctl =
		apiUrl === CTL_DEFAULT_ENDPOINT ? "npm run ctl --" : `npm run ctl -- --endpoints ${apiUrl}`;
	return [
		`INFO control plane: a single-node Raft cluster, API on ${apiUrl}, log in ${where}. Try:`,
		`  ${ctl} put greeting hello && ${ctl} get greeting`,
		`  ${ctl} status`,
		`  curl -s ${apiUrl}/metrics.json; curl -s ${apiUrl}/health`,
		...(gossipAddress === undefined
			? []
			: [
					`INFO gossip on ${gossipAddress} with a CRDT store in ${where}/crdt. Try:`,
					`  ${ctl} incr hits 5 && ${ctl} get hits --counter`,
					`  ${ctl} set motd hi && ${ctl} get motd --register && ${ctl} members --gossip`,
				]),
	];
}
