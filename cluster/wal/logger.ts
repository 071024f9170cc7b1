/** Leveled log lines for the write-ahead log; stderr unless the caller routes them. */
export type WalLogLevel = "INFO" | "WARN";
export type WalLogger = (level: WalLogLevel, message: string) => void;

export const stderrLogger: WalLogger = (level, message) => {
	console.error(`${level} wal: ${message}`);
};
