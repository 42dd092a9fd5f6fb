// ESLint (flat config) with typescript-eslint, run by `npm test` through `npm run lint`.
// Besides the recommended rules it enforces the layer boundaries of DESIGN.md, so that a runtime
// import across a boundary fails CI instead of waiting for a review:
//   src-renderer → src-main     types only (`import type`); the dashboard never bundles engine code
//   src-main     → src-renderer never
//   src-shared   → nothing of Node, Electron, src-main or src-renderer (it is pure domain)
//   store/, vit/ → never up into train/, runs/, api/, app/ at run time (lower layers do not know the upper)
//   runs/        → never api/ or app/, not even types (the supervisor tells domain events, runs/events.ts;
//                  the transports map them to the API's, api/events.ts)
//   app/services → never api/, not even types (the handlers and the CLI call the services, not back)
//   src-main     → electron only in main.ts and preload.ts
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** One `no-restricted-imports` rule from a list of forbidden module patterns. */
function forbid(patterns, { allowTypeImports = false } = {}) {
  return {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      { patterns: patterns.map(({ group, message }) => ({ group, message, allowTypeImports })) },
    ],
  };
}

const electron = { group: ['electron', 'electron/*'], message: 'Only src-main/main.ts and preload.ts may import electron.' };
const intoMain = { group: ['**/src-main/**'], message: 'The dashboard imports engine *types* only: use `import type`, or move pure logic to src-shared/.' };
const intoRenderer = { group: ['**/src-renderer/**'], message: 'The engine never imports the dashboard: move shared logic to src-shared/.' };
const upward = {
  group: ['../train/*', '../runs/*', '../api/*', '../app/**', '**/src-main/train/**', '**/src-main/runs/**', '**/src-main/api/**', '**/src-main/app/**'],
  message: 'store/ and vit/ are lower layers: they must not import train/, runs/, api/ or app/ at run time.',
};
const runsUp = { group: ['../api/*', '../app/**', '**/src-main/api/**', '**/src-main/app/**'], message: 'runs/ is below the transports and the services: emit a domain event (runs/events.ts) and map it in api/events.ts.' };
const servicesUp = { group: ['../../api/*', '../api/*', '**/src-main/api/**'], message: 'app/services is called by the handlers and the CLI: it must not import api/ (take and return domain types).' };
const nodeOrUi = [
  { group: ['node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads'], message: 'src-shared/ is pure: no Node modules.' },
  electron,
  { group: ['**/src-main/**', '**/src-renderer/**', '../src-main/**', '../src-renderer/**'], message: 'src-shared/ imports nothing from the engine or the dashboard.' },
];

export default defineConfig(
  { ignores: ['out/**', 'node_modules/**', 'reports/**', '.stryker-tmp/**', 'coverage/**'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // Unused names are allowed when they say so with a leading underscore.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  { files: ['src-main/**/*.ts'], ignores: ['src-main/main.ts', 'src-main/preload.ts'], rules: forbid([electron, intoRenderer]) },
  { files: ['src-main/main.ts', 'src-main/preload.ts'], rules: forbid([intoRenderer]) },
  { files: ['src-main/store/**/*.ts', 'src-main/vit/**/*.ts'], rules: forbid([electron, intoRenderer, upward], { allowTypeImports: true }) },
  { files: ['src-main/runs/**/*.ts'], rules: forbid([electron, intoRenderer, runsUp]) },
  { files: ['src-main/app/services/**/*.ts'], rules: forbid([electron, intoRenderer, servicesUp]) },
  { files: ['src-shared/**/*.ts'], rules: forbid(nodeOrUi) },
  ...svelte.configs.recommended,
  {
    files: ['src-renderer/**/*.ts', 'src-renderer/**/*.svelte', 'src-renderer/**/*.svelte.ts'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] },
    },
    rules: {
      ...forbid([electron, intoMain], { allowTypeImports: true }),
      // It flags every `new Map`/`new Set` in a component, including the many built and consumed
      // inside one function or $derived (none of ours is mutated as reactive state).
      'svelte/prefer-svelte-reactivity': 'off',
    },
  },
);
