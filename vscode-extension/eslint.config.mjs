// ESLint (flat config): typescript-eslint's recommended rules for the extension and
// its tests, the browser rules for the webview script, Node's for the build scripts.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "out/", "node_modules/", "bundled/", "schemas/", "*.vsix"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      eqeqeq: ["error", "always"],
      "no-restricted-syntax": [
        "error",
        {
          selector: "MemberExpression[property.name='_resolveFilename']",
          message: "Node's private module APIs are not for tests: inject the vscode API.",
        },
      ],
    },
  },
  {
    files: ["webview/**/*.js"],
    languageOptions: { sourceType: "script", globals: { ...globals.browser, acquireVsCodeApi: "readonly", mermaid: "readonly" } },
  },
  {
    files: ["scripts/**/*.mjs", "eslint.config.mjs"],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // The integration driver runs in Node and hands callbacks to the browser page (page.evaluate).
    files: ["test/integration/**/*.mjs"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
);
