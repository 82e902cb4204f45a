import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImportGraph, describeCycles, findImportCycles, judgeCycles, relativeImports, type ImportGraph } from './check-import-cycles.ts';

const script = join(import.meta.dirname, 'check-import-cycles.ts');

function graph(edges: Record<string, readonly string[]>): ImportGraph {
  return new Map(Object.entries(edges));
}

/** Writes `files` into a fresh temporary repository and returns its folder. */
function tempRepo(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'import-cycles-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('relativeImports', () => {
  it('counts value, type, re-export, dynamic and import-type references, and skips packages and comments', () => {
    const known = new Set(['/r/src/a.ts', '/r/src/b.ts', '/r/src/c.ts', '/r/src/d.ts', '/r/src/e.ts', '/r/lib/f.ts']);
    const text = [
      "import { a } from './a.ts';",
      "import type { B } from './b.ts';",
      "export { c } from './c.ts';",
      "const d = await import('./d.ts');",
      "type E = import('./e.js').E;",
      "import { f } from '../lib/f.ts';",
      "import { z } from 'zod';",
      "// import { g } from './g.ts';",
    ].join('\n');
    assert.deepEqual(relativeImports('/r/src/x.ts', text, (p) => known.has(p)), [
      '/r/src/a.ts',
      '/r/src/b.ts',
      '/r/src/c.ts',
      '/r/src/d.ts',
      '/r/src/e.ts',
      '/r/lib/f.ts',
    ]);
  });
});

describe('findImportCycles', () => {
  it('finds nothing in a graph without loops', () => {
    assert.deepEqual(findImportCycles(graph({ a: ['b', 'c'], b: ['c'], c: [] })), []);
  });

  it('finds each strongly connected group once, with a shortest loop from its first file', () => {
    const cycles = findImportCycles(
      graph({ a: ['b'], b: ['a', 'x'], p: ['q'], q: ['r'], r: ['p', 'q'], x: [], s: ['s'] }),
    );
    assert.deepEqual(cycles, [
      { files: ['a', 'b'], loop: ['a', 'b', 'a'] },
      { files: ['p', 'q', 'r'], loop: ['p', 'q', 'r', 'p'] },
      { files: ['s'], loop: ['s', 's'] },
    ]);
  });
});

describe('judgeCycles', () => {
  const allowed = [{ files: ['b', 'a'], owner: 'someone' }, { files: ['gone', 'too'], owner: 'someone else' }];

  it('allows a loop whose files are exactly an allowance, and lists allowances no loop matches', () => {
    const report = judgeCycles([{ files: ['a', 'b'], loop: ['a', 'b', 'a'] }], allowed);
    assert.deepEqual(report, { failing: [], allowed: [{ files: ['a', 'b'], loop: ['a', 'b', 'a'] }], unused: [allowed[1]] });
  });

  it('fails an allowed loop that grew another file', () => {
    const grown = { files: ['a', 'b', 'c'], loop: ['a', 'b', 'c', 'a'] };
    const report = judgeCycles([grown], allowed);
    assert.deepEqual(report.failing, [grown]);
    assert.deepEqual(describeCycles(report)[0], 'error  import cycle between 3 files: a → b → c → a');
  });
});

describe('check-import-cycles.ts on a repository', () => {
  it('exits 1 and names the loop when two files import each other, even by type only', () => {
    const root = tempRepo({
      'src/domain/plan.ts': "import type { Policy } from './policy.ts';\nexport interface Plan { policy: Policy }\n",
      'src/domain/policy.ts': "import type { Plan } from './plan.ts';\nexport interface Policy { last?: Plan }\n",
      'src/domain/names.ts': 'export const x = 1;\n',
    });
    try {
      assert.deepEqual(findImportCycles(buildImportGraph(root)), [
        { files: ['src/domain/plan.ts', 'src/domain/policy.ts'], loop: ['src/domain/plan.ts', 'src/domain/policy.ts', 'src/domain/plan.ts'] },
      ]);
      const run = spawnSync(process.execPath, ['--import', 'tsx', script, root], { encoding: 'utf8' });
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stdout, /import cycle between 2 files: src\/domain\/plan\.ts → src\/domain\/policy\.ts → src\/domain\/plan\.ts/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('exits 0 when the loop is broken', () => {
    const root = tempRepo({
      'src/domain/plan.ts': "import type { Policy } from './policy.ts';\nexport interface Plan { policy: Policy }\n",
      'src/domain/policy.ts': 'export interface Policy { name: string }\n',
    });
    try {
      const run = spawnSync(process.execPath, ['--import', 'tsx', script, root], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stdout + run.stderr);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
