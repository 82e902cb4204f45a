/**
 * Fails when our own TypeScript files import each other in a loop. Run by `npm run lint` after ESLint.
 *
 * Why not `import-x/no-cycle`: it skips `import type` edges by design, and most of our loops were
 * type-only (a type living in the file of a concept that depends on it). A type loop still means two
 * files own one concept, so every relative import counts here: `import`, `import type`, `export … from`,
 * `import()` and `import('…').T`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

/** Folders (relative to the repository) whose `.ts` files are checked: everything tsconfig.json includes. */
export const CHECKED_FOLDERS: readonly string[] = ['src', 'test', 'bench', 'scripts'];

/** A loop that is known and owned by someone else's change; it is reported as allowed, and only while its files are exactly these. */
export interface AllowedCycle {
  readonly files: readonly string[];
  readonly owner: string;
}

/**
 * Temporary exceptions. Each names who removes it; when the loop is gone the check says so, so the line
 * can be deleted. A loop that grows past these files fails again.
 */
export const ALLOWED_CYCLES: readonly AllowedCycle[] = [];

/** Who imports whom: repository-relative path (with `/`) → the paths it imports, in source order. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/** One loop: the files of a strongly connected group, and one import path around it (first file repeated at the end). */
export interface ImportCycle {
  readonly files: readonly string[];
  readonly loop: readonly string[];
}

/** The outcome of a check: loops that fail, loops that are allowed, and allowances no longer needed. */
export interface CycleReport {
  readonly failing: readonly ImportCycle[];
  readonly allowed: readonly ImportCycle[];
  readonly unused: readonly AllowedCycle[];
}

function toKey(root: string, absolute: string): string {
  return relative(root, absolute).split(sep).join('/');
}

function listTypeScript(dir: string, out: string[]): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) listTypeScript(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The relative imports of one file's text, resolved against its folder; `.js` specifiers map to the `.ts` file when there is one. */
export function relativeImports(absoluteFile: string, text: string, exists: (path: string) => boolean): string[] {
  const found: string[] = [];
  for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
    if (!fileName.startsWith('./') && !fileName.startsWith('../')) continue;
    const target = resolve(dirname(absoluteFile), fileName);
    const candidates = [target, target.replace(/\.(m?)js$/, '.$1ts')];
    const hit = candidates.find(exists);
    if (hit !== undefined && !found.includes(hit)) found.push(hit);
  }
  return found;
}

/** Reads every checked `.ts` file under `root` and builds the graph of relative imports between them. */
export function buildImportGraph(root: string, folders: readonly string[] = CHECKED_FOLDERS): ImportGraph {
  const files = folders.flatMap((folder) => listTypeScript(join(root, folder), []));
  const known = new Set(files);
  const graph = new Map<string, readonly string[]>();
  for (const file of files) {
    const imports = relativeImports(file, readFileSync(file, 'utf8'), (path) => known.has(path));
    graph.set(
      toKey(root, file),
      imports.map((path) => toKey(root, path)),
    );
  }
  return graph;
}

/** Every loop in the graph, one per strongly connected group (Tarjan), files sorted, with one example path around it. */
export function findImportCycles(graph: ImportGraph): ImportCycle[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const groups: string[][] = [];
  let counter = 0;

  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) === index.get(node)) {
      const group: string[] = [];
      for (;;) {
        const member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        group.push(member);
        if (member === node) break;
      }
      const selfLoop = group.length === 1 && (graph.get(node) ?? []).includes(node);
      if (group.length > 1 || selfLoop) groups.push(group.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);

  return groups
    .map((files) => ({ files, loop: shortestLoop(graph, files) }))
    .sort((a, b) => (a.files[0] ?? '').localeCompare(b.files[0] ?? ''));
}

/** A shortest import path from the group's first file back to itself, staying inside the group (breadth first). */
function shortestLoop(graph: ImportGraph, files: readonly string[]): string[] {
  const start = files[0];
  if (start === undefined) return [];
  const inside = new Set(files);
  const cameFrom = new Map<string, string>();
  const queue: string[] = [start];
  while (queue.length > 0) {
    const node = queue.shift();
    if (node === undefined) break;
    for (const next of graph.get(node) ?? []) {
      if (!inside.has(next)) continue;
      if (next === start) {
        const path = [node];
        for (let at = node; at !== start; ) {
          const previous = cameFrom.get(at);
          if (previous === undefined) break;
          path.unshift(previous);
          at = previous;
        }
        return [...path, start];
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

function sameFiles(a: readonly string[], b: readonly string[]): boolean {
  const sortedB = [...b].sort();
  return a.length === b.length && [...a].sort().every((file, i) => file === sortedB[i]);
}

/** Splits the loops into failing and allowed ones, and lists allowances that match no loop any more. */
export function judgeCycles(cycles: readonly ImportCycle[], allowed: readonly AllowedCycle[] = ALLOWED_CYCLES): CycleReport {
  const isAllowed = (cycle: ImportCycle): boolean => allowed.some((entry) => sameFiles(entry.files, cycle.files));
  return {
    failing: cycles.filter((cycle) => !isAllowed(cycle)),
    allowed: cycles.filter(isAllowed),
    unused: allowed.filter((entry) => !cycles.some((cycle) => sameFiles(entry.files, cycle.files))),
  };
}

/** The report as lines a person reads; empty when there is nothing to say. */
export function describeCycles(report: CycleReport): string[] {
  const lines: string[] = [];
  for (const cycle of report.failing) {
    lines.push(`error  import cycle between ${cycle.files.length} files: ${cycle.loop.join(' → ')}`);
    if (cycle.files.length > cycle.loop.length - 1) lines.push(`       all files in the loop: ${cycle.files.join(', ')}`);
  }
  for (const cycle of report.allowed) {
    const owner = ALLOWED_CYCLES.find((entry) => sameFiles(entry.files, cycle.files))?.owner ?? 'an allowance';
    lines.push(`note   allowed for now (${owner}): ${cycle.loop.join(' → ')}`);
  }
  for (const entry of report.unused) {
    lines.push(`note   this loop is gone; remove its entry from ALLOWED_CYCLES: ${entry.files.join(' ↔ ')}`);
  }
  return lines;
}

function main(): void {
  // The repository by default; a folder given as the first argument is checked instead (the tests use this).
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const report = judgeCycles(findImportCycles(buildImportGraph(root)));
  const lines = describeCycles(report);
  if (lines.length > 0) console.log(lines.join('\n'));
  if (report.failing.length > 0) {
    console.log(`\n✖ ${report.failing.length} import cycle(s). Move the shared part into the file that owns the concept.`);
    process.exitCode = 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
