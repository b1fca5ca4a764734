// The JSON Schema's only copy is ../schemas/threatmodel.schema.json (SPEC §1);
// the .vsix needs it inside the extension folder for `yamlValidation`, so it is
// copied at build time into a git-ignored folder.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const source = join(root, "..", "schemas", "threatmodel.schema.json");
const target = join(root, "schemas", "threatmodel.schema.json");
mkdirSync(dirname(target), { recursive: true });
copyFileSync(source, target);
console.log(`copied ${source} -> ${target}`);
