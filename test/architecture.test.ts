/**
 * The folders of src/ as docs/architecture.md draws them: no import cycle between files, and
 * every import between folders points down the layer order. Type-only imports count too: a
 * cycle through types still ties the files together for a reader and for the compiler.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../src');

/** Bottom first: a folder may import the folders before it, never one after it. src/index.ts sits on top. */
const LAYERS = ['capture', 'decode', 'topology', 'result', 'track', 'infer', 'rules', 'judge', 'check', 'report', 'watch', 'cli'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Relative module specifiers of a file: import and export declarations, import types, import() calls. */
function specifiers(file: string): string[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      out.push(node.moduleReference.expression.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push(node.argument.literal.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      out.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out.filter((s) => s.startsWith('.'));
}

/** src-relative path -> the src-relative paths it imports. */
function importGraph(): Map<string, string[]> {
  const files = sourceFiles(SRC);
  const known = new Set(files.map((f) => relative(SRC, f)));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const from = relative(SRC, file);
    const to = specifiers(file).map((s) => {
      const target = relative(SRC, resolve(dirname(file), s.replace(/\.js$/, '.ts')));
      if (!known.has(target)) throw new Error(`${from}: cannot resolve ${s}`);
      return target;
    });
    graph.set(from, [...new Set(to)]);
  }
  return graph;
}

/** Every cycle's files, one list per strongly connected component of more than one file (or a file importing itself). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);
  return found;
}

/** The folder of a src-relative path ('' for a file at the top, src/index.ts) and its place in LAYERS. */
function folderOf(path: string): string {
  const parts = path.split('/');
  return parts.length === 1 ? '' : parts[0]!;
}
function layerOf(folder: string): number {
  return folder === '' ? LAYERS.length : LAYERS.indexOf(folder);
}

describe('src/ imports', () => {
  const graph = importGraph();

  it('form no cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('every folder of src/ has its place in the layer order', () => {
    const folders = readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect(folders).toEqual([...LAYERS].sort());
  });

  it('point down the layer order', () => {
    const upward: string[] = [];
    for (const [from, targets] of graph) {
      const here = folderOf(from);
      for (const to of targets) {
        const there = folderOf(to);
        if (there !== here && layerOf(there) >= layerOf(here)) upward.push(`${from} -> ${to}`);
      }
    }
    expect(upward).toEqual([]);
  });
});
