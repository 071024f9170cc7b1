// `import path from "./x.so" with { type: "file" }` yields the file's path (and makes
// `bun build --compile` embed it).
declare module "*.so" {
	const path: string;
	export default path;
}
