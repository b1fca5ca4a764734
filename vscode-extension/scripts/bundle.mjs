// Bundles src/extension.ts and its dependencies (vscode-languageclient) into
// one file, so the .vsix ships no node_modules.
import { build } from "esbuild";

await build({
  entryPoints: ["src/extension.ts"],
  bundle: true,
  outfile: "dist/extension.js",
  external: ["vscode"],
  format: "cjs",
  platform: "node",
  target: "node18",
  minify: process.argv.includes("--minify"),
  sourcemap: false,
  logLevel: "info",
});
