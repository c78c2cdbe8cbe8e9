import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rules } from '../../src/rules/index.js';

const RULES_DIR = join(import.meta.dirname, '../../src/rules');
/** Files in src/rules that are machinery shared by rules, not rules. */
const NOT_RULES = new Set(['define.ts', 'fixes.ts', 'index.ts', 'rs-claims.ts', 'scheduling.ts']);

describe('rule modules', () => {
  const files = readdirSync(RULES_DIR)
    .filter((f) => f.endsWith('.ts') && !NOT_RULES.has(f))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();

  it('the index lists every rule file, once', () => {
    expect(rules.map((r) => r.id).sort()).toEqual(files);
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
  });

  for (const rule of rules) {
    it(`${rule.id}: complete documentation and messages`, () => {
      expect(rule.meta.summary.length).toBeGreaterThan(10);
      expect(rule.meta.rationale.length).toBeGreaterThan(40);
      expect(rule.meta.observability.length).toBeGreaterThan(10);
      expect(rule.meta.remediation.length).toBeGreaterThan(0);
      expect(Object.keys(rule.messages).length).toBeGreaterThan(0);
      expect(['error', 'warning', 'info']).toContain(rule.defaultSeverity);
    });
  }

  it('docs/rules.md has a section per rule with its summary, reason and fix as the rule says them (scripts/rules-doc.mjs), and the README a line linking to it', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../docs/rules.md'), 'utf8');
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    for (const rule of rules) {
      expect(doc).toContain(`### \`${rule.id}\``);
      expect(doc).toContain(rule.meta.summary);
      expect(doc).toContain(`**Why:** ${rule.meta.rationale}`);
      for (const fix of rule.meta.remediation) expect(doc).toContain(`- ${fix.replace(/\{(\w+)\}/g, '<$1>')}\n`);
      expect(readme).toContain(`| [\`${rule.id}\`](docs/rules.md#${rule.id}) |`);
      expect(readme).toContain(rule.meta.summary);
    }
  });
});
