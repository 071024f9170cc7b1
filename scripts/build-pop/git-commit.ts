/** The commit a binary is built from, for `--version`: short hash, "+dirty" if uncommitted changes. */
export function gitCommit(cwd: string): string {
	const head = Bun.spawnSync(["git", "rev-parse", "--short=12", "HEAD"], { cwd, stderr: "pipe" });
	if (head.exitCode !== 0) return "unknown";
	const status = Bun.spawnSync(["git", "status", "--porcelain", "--untracked-files=no"], {
		cwd,
		stderr: "pipe",
	});
	const dirty = status.exitCode === 0 && status.stdout.toString().trim() !== "";
	return `${head.stdout.toString().trim()}${dirty ? "+dirty" : ""}`;
}
