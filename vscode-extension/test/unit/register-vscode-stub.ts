// Mocha `require` hook: `import "vscode"` in the sources resolves to the stub,
// since the real module only exists inside a running VS Code.
import Module = require("module");
import * as path from "path";

const stubPath = path.join(__dirname, "vscode-stub.js");
const moduleInternals = Module as unknown as { _resolveFilename(request: string, ...rest: unknown[]): string };
const original = moduleInternals._resolveFilename;
moduleInternals._resolveFilename = function (request: string, ...rest: unknown[]) {
  if (request === "vscode") return stubPath;
  return original.call(this, request, ...rest);
};
