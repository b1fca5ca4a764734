// Which files are threat models and which documents the server sees. The one definition is
// server/threatlint/engine/filenames.py; tests/test_model_filenames.py checks these agree with it.
import type { TextDocumentFilter } from "vscode-languageclient";

/** The model file names, as globs relative to any folder. */
export const MODEL_GLOBS = ["**/threatmodel.yaml", "**/threatmodel.yml", "**/*.threatmodel.yaml", "**/*.threatmodel.yml"] as const;

/** One glob matching every model, for workspace.findFiles and file watchers. */
export const MODEL_GLOB = "**/{threatmodel.yaml,threatmodel.yml,*.threatmodel.yaml,*.threatmodel.yml}";

const MODEL_NAME = /^(?:.*\.)?threatmodel\.ya?ml$/;

/** True when the file name (the last path segment) names a threat model. */
export function isModelPath(path: string): boolean {
  const name = path.split(/[\\/]/).pop() ?? "";
  return MODEL_NAME.test(name);
}

/**
 * The language client's document selector. Models are YAML files on disk; with
 * `codeFiles`, every file on disk is sent too, because the server puts an
 * information diagnostic on code files covered by a model's scope.paths.
 */
export function documentSelector(codeFiles: boolean): TextDocumentFilter[] {
  const models: TextDocumentFilter[] = MODEL_GLOBS.map((pattern) => ({ scheme: "file", language: "yaml", pattern }));
  return codeFiles ? [...models, { scheme: "file" }] : models;
}
