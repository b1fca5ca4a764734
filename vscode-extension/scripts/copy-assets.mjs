// Files the .vsix needs from elsewhere, copied at build time into git-ignored places:
// - the JSON Schema, whose only copy is ../schemas/threatmodel.schema.json, for `yamlValidation`;
// - Mermaid, vendored gzipped at ../server/threatlint/report/assets (its README says which
//   version and why), and the diagram webview's script, into dist/media for the webviews.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const copies = [
  [join(root, "..", "schemas", "threatmodel.schema.json"), join(root, "schemas", "threatmodel.schema.json")],
  [join(root, "webview", "diagram.js"), join(root, "dist", "media", "diagram.js")],
  [join(root, "..", "server", "threatlint", "report", "assets", "mermaid.LICENSE"), join(root, "dist", "media", "mermaid.LICENSE")],
];
for (const [source, target] of copies) {
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(source, target);
  console.log(`copied ${source} -> ${target}`);
}
const mermaid = join(root, "..", "server", "threatlint", "report", "assets", "mermaid.min.js.gz");
writeFileSync(join(root, "dist", "media", "mermaid.min.js"), gunzipSync(readFileSync(mermaid)));
console.log(`unpacked ${mermaid} -> dist/media/mermaid.min.js`);
