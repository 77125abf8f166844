/**
 * The layers of src point one way (core <- transport <- protocol stacks <- journal / service / compat / cli): this
 * walks the import graph of every source file (static imports, re-exports, `import type` and dynamic `import()`)
 * and fails on an import from a library folder into src/cli, on a lower layer importing a higher one, and on
 * import cycles.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = normalize(join(dirname(fileURLToPath(import.meta.url)), '..', '..'));
const srcDir = join(root, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(c|m)?ts$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

/** The relative imports of a file, resolved to src-relative `.ts` paths (`a/b.js` -> `a/b.ts`). */
export function importsOf(file: string, text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1] ?? '';
    const target = normalize(join(dirname(file), spec)).replace(/\.(c|m)?js$/, (ext) => ext.replace('js', 'ts'));
    out.push(relative(srcDir, target).split('\\').join('/'));
  }
  return out;
}

/** Strongly connected components with more than one file (or a file importing itself): the import cycles. */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** The layer of a src-relative path: higher layers may import lower ones, never the other way. */
function layer(path: string): number {
  const top = path.split('/')[0] ?? '';
  if (top === 'core') return 0;
  if (top === 'transport') return 1;
  if (top === 'essp' || top === 'ccnet' || top === 'controllerbox') return 2;
  if (top === 'cli') return 4;
  if (top === 'index.ts') return 5;
  return 3; // journal, service, compat, and any new top-level folder
}

function buildGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(srcDir)) {
    const key = relative(srcDir, file).split('\\').join('/');
    graph.set(key, importsOf(file, readFileSync(file, 'utf8')));
  }
  return graph;
}

/**
 * Cycles that were there before this check and are being taken apart elsewhere (issue 11). This list may only
 * shrink: a cycle found that is not inside one of these fails, and so does an entry that no longer matches a cycle.
 */
const KNOWN_CYCLES: readonly (readonly string[])[] = [
  ['core/bytes.ts', 'core/errors.ts'],
  ['essp/simulator/'], // the eSSP simulator and its payout behaviours, being made table-driven (issue 11 item 4)
];

/** A cycle is known when every file of it is one of a known entry (a path, or a folder ending with /). */
function isKnown(cycle: readonly string[]): boolean {
  return KNOWN_CYCLES.some((k) => cycle.every((f) => k.some((p) => (p.endsWith('/') ? f.startsWith(p) : f === p))));
}

describe('the layers of src', () => {
  const graph = buildGraph();

  it('finds the source files and their imports', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('cli/main.ts')).toContain('cli/protocols.ts');
  });

  it('no library folder imports src/cli', () => {
    const upward = [...graph].flatMap(([from, targets]) =>
      from.startsWith('cli/') ? [] : targets.filter((t) => t.startsWith('cli/')).map((t) => `${from} -> ${t}`),
    );
    expect(upward).toEqual([]);
  });

  it('no layer imports a higher one (core <- transport <- protocols <- journal/service/compat <- cli)', () => {
    const upward = [...graph].flatMap(([from, targets]) =>
      targets.filter((t) => layer(t) > layer(from)).map((t) => `${from} -> ${t}`),
    );
    expect(upward).toEqual([]);
  });

  it('no protocol stack imports another one', () => {
    const protocols = ['essp', 'ccnet', 'controllerbox'];
    const across = [...graph].flatMap(([from, targets]) => {
      const own = from.split('/')[0] ?? '';
      if (!protocols.includes(own)) return [];
      return targets
        .filter((t) => protocols.includes(t.split('/')[0] ?? '') && !t.startsWith(`${own}/`))
        .map((t) => `${from} -> ${t}`);
    });
    expect(across).toEqual([]);
  });

  it('has no import cycles (but the known ones, which may only shrink)', () => {
    const found = cycles(graph);
    expect(found.filter((c) => !isKnown(c))).toEqual([]);
    const gone = KNOWN_CYCLES.filter(
      (k) => !found.some((c) => isKnown(c) && c.some((f) => k.some((p) => f.startsWith(p)))),
    );
    expect(gone, 'a known cycle is gone: delete it from KNOWN_CYCLES').toEqual([]);
  });

  it('the checks catch what they look for', () => {
    const sample = new Map<string, string[]>([
      ['essp/a.ts', ['essp/b.ts']],
      ['essp/b.ts', ['essp/c.ts']],
      ['essp/c.ts', ['essp/a.ts']],
      ['essp/d.ts', ['essp/d.ts']],
      ['essp/e.ts', ['core/x.ts']],
    ]);
    expect(cycles(sample)).toEqual([['essp/a.ts', 'essp/b.ts', 'essp/c.ts'], ['essp/d.ts']]);
    const file = join(srcDir, 'essp', 'x.ts');
    expect(
      importsOf(
        file,
        "import { a } from '../cli/types.js';\nimport type { B } from './b.js';\nexport * from './c.js';\nconst m = await import('../core/d.js');\nimport './side.js';",
      ),
    ).toEqual(['cli/types.ts', 'essp/b.ts', 'essp/c.ts', 'core/d.ts', 'essp/side.ts']);
  });
});

const NODE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](node:[^'"]+|child_process|readline)['"]/gm;

/** Every src file an entry loads (its static and dynamic imports, followed to the end), with the node modules each imports. */
function loadedBy(graph: ReadonlyMap<string, readonly string[]>, entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const todo = [entry];
  for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
    if (seen.has(file) || !graph.has(file)) continue;
    const text = readFileSync(join(srcDir, file), 'utf8');
    seen.set(
      file,
      [...text.matchAll(NODE_IMPORT)].map((m) => (m[1] ?? '').replace(/^node:/, '')),
    );
    todo.push(...(graph.get(file) ?? []));
  }
  return seen;
}

describe('the curated entry points', () => {
  const graph = buildGraph();
  const HOST_ENTRIES = ['essp/index.ts', 'ccnet/index.ts', 'controllerbox/index.ts'];

  it.each(HOST_ENTRIES)('%s loads no simulator, pty, child process or readline code', (entry) => {
    const loaded = loadedBy(graph, entry);
    expect(loaded.size).toBeGreaterThan(5);
    const simulators = [...loaded.keys()].filter((f) => f.includes('/simulator/') || f.startsWith('cli/'));
    expect(simulators).toEqual([]);
    expect([...loaded.keys()]).not.toContain('transport/pty.ts');
    const banned = [...loaded].flatMap(([file, mods]) =>
      mods
        .filter((m) => m === 'child_process' || m === 'readline' || m === 'readline/promises')
        .map((m) => `${file} -> ${m}`),
    );
    expect(banned).toEqual([]);
  });

  it.each(['essp', 'ccnet', 'controllerbox'])('%s/simulator/index.ts is the simulator entry', (protocol) => {
    const loaded = loadedBy(graph, `${protocol}/simulator/index.ts`);
    expect(
      [...loaded.keys()].some((f) => f.startsWith(`${protocol}/simulator/`) && f !== `${protocol}/simulator/index.ts`),
    ).toBe(true);
    expect([...loaded.keys()].filter((f) => f.startsWith('cli/'))).toEqual([]);
  });

  it('package.json exports each protocol and each simulator entry', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    for (const p of ['essp', 'ccnet', 'controllerbox']) {
      expect(pkg.exports[`./${p}`]).toEqual({ types: `./dist/${p}/index.d.ts`, default: `./dist/${p}/index.js` });
      expect(pkg.exports[`./${p}/simulator`]).toEqual({
        types: `./dist/${p}/simulator/index.d.ts`,
        default: `./dist/${p}/simulator/index.js`,
      });
    }
  });

  it('the walk sees a simulator when an entry exports one', () => {
    const sample = new Map<string, string[]>([
      ...graph,
      ['essp/index.ts', [...(graph.get('essp/index.ts') ?? []), 'essp/simulator/index.ts']],
    ]);
    expect([...loadedBy(sample, 'essp/index.ts').keys()]).toContain('essp/simulator/simulator.ts');
    expect(loadedBy(graph, 'cli/util.ts').get('cli/util.ts')).toContain('readline');
    expect(loadedBy(graph, 'transport/pty.ts').get('transport/pty.ts')).toContain('child_process');
  });
});
