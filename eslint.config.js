import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';

// Which folders of src/ each folder may import (shared/DESIGN.md "Architecture"); a folder may always import itself.
const LAYERS = {
  domain: { may: [], why: 'domain/ is pure and imports nothing else of ours.' },
  app: { may: ['domain'], why: 'app/ holds the use cases: it imports domain and its own ports only.' },
  connectors: { may: ['app', 'domain'], why: 'a connector implements an app port with domain types.' },
  store: { may: ['app', 'domain'], why: 'the store implements the app store ports with domain types.' },
  emulators: { may: ['domain'], why: 'an emulator stands in for a vendor and knows nothing of the product.' },
  jobs: { may: ['runtime', 'app', 'domain', 'config'], why: 'jobs/ is a front door of its own (the scheduler): it runs use cases on the runtime, never the CLI or the server.' },
  config: { may: ['domain', 'connectors/**/*-config.ts'], why: 'config/ reads and validates; it may compose the connectors\' zod schemas.' },
  runtime: {
    may: ['domain', 'app', 'connectors', 'store', 'emulators', 'config'],
    why: 'runtime/ is the composition root behind the front doors; it never imports a front door.',
  },
  server: {
    may: ['runtime', 'jobs', 'app', 'domain', 'config'],
    why: 'server/ is a front door: it calls runtime, use cases, config and domain types, never the CLI, the store or a connector.',
  },
  cli: {
    // `seatkeeper serve` hosts the API in its process: it may start the listener, and reach nothing else of the server.
    may: ['runtime', 'jobs', 'app', 'domain', 'config', 'server/api-listener.ts*'],
    why: 'cli/ is a front door: it calls runtime and use cases, never the server (serve only starts it, through server/api-listener.ts).',
  },
  web: { may: [], why: 'web/ talks to the server over /api/v1 only.' },
};

// What connectors/ and store/ may take from app/: the ports (interfaces, their errors and value types), not use cases.
const APP_PORTS = ['app/*-port.ts', 'app/store/*-port.ts', 'app/{clock,connector-error,instance-check,capture-redaction}.ts'];

// Temporary: the demo still starts its emulators and reads its store summary itself (to move into src/runtime/).
// Delete the entry when the file stops.
const CLI_COMPOSITION_FILES = ['src/cli/demo-command.ts'];

const root = import.meta.dirname;
// A folder name means everything in it; a glob stands for itself (import-x wants absolute globs in `except`).
const inSrc = (glob) => `${root}/src/${/[*{]/.test(glob) ? glob : `${glob}/**`}`;

/** import-x/no-restricted-paths zones: each folder of src/ may import itself and its `may` list, and never test/, bench/ or scripts/. */
function layerZones(layers) {
  const folderZones = Object.entries(layers).map(([folder, { may, why }]) => ({
    target: `src/${folder}`,
    from: 'src/**',
    except: [inSrc(folder), ...may.map(inSrc)],
    message: why,
  }));
  return [
    ...folderZones,
    {
      target: ['src/connectors', 'src/store'],
      from: 'src/app/**',
      except: APP_PORTS.map(inSrc),
      message: 'Adapters import the ports of app/ (…-port.ts, store/…-port.ts, clock, connector-error, instance-check, capture-redaction), not its use cases.',
    },
    { target: 'src', from: ['test', 'bench', 'scripts'], message: 'Production code never imports tests, benchmarks or scripts.' },
  ];
}

/** Zones for *.test.ts: a test may use test/support, emulators and real stores, but domain tests stay pure, and no test imports another. */
const testZones = [
  {
    target: 'src/domain',
    from: ['src/**', 'test/**'],
    except: [inSrc('domain'), `${root}/test/support/**`],
    message: 'A domain test uses domain code and test/support only: no store, emulator or connector.',
  },
  { target: ['src', 'test'], from: '**/*.test.ts', message: 'A test never imports another test file; share through test/support/.' },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'dist/**', '.demo/**', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  // The layers of shared/DESIGN.md "Architecture". import-x resolves each import to a file, so a zone is a
  // folder, whatever the number of `../`; `import type` and `export … from` count too. Cycles are checked by
  // scripts/check-import-cycles.ts (import-x/no-cycle skips type-only imports).
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver()],
      'import-x/extensions': ['.ts', '.mjs', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { basePath: root, zones: layerZones(LAYERS) }] },
  },
  {
    files: CLI_COMPOSITION_FILES,
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: root,
          zones: layerZones({ ...LAYERS, cli: { ...LAYERS.cli, may: [...LAYERS.cli.may, 'store', 'emulators'] } }),
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { basePath: root, zones: testZones }] },
  },
  {
    // The emulators stand in for the vendor: they may share the domain's vocabulary (types), never its logic.
    files: ['src/emulators/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+domain/',
              allowTypeImports: true,
              message: 'An emulator may use domain types only (import type); it must not run product logic.',
            },
          ],
        },
      ],
    },
  },
);
