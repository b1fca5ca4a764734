// Runs scripts/bundle_server.py (fills bundled/libs) with a Python that has pip and
// packaging: $THREATLINT_BUNDLE_PYTHON, else the repository's .venv (scripts/setup.sh), else python3.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const venv = join(root, "..", ".venv", process.platform === "win32" ? "Scripts/python.exe" : "bin/python");
const python = process.env.THREATLINT_BUNDLE_PYTHON || (existsSync(venv) ? venv : "python3");
const result = spawnSync(python, [join(root, "scripts", "bundle_server.py"), ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(result.status ?? 1);
