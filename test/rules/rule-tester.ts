/**
 * A small RuleTester (after ESLint's): a case is a list of frames built with the test-only
 * packet builder, the topology given to the check, and the findings one rule must report —
 * message id and evidence frames exactly. Only the rule under test runs, so a case pins that
 * rule alone. The builder is for what the real-kernel lab cannot produce; everything the lab
 * can produce is tested on its captures (test/check/modes.test.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { checkCaptures } from '../../src/check/check.js';
import type { CheckResult } from '../../src/result/result.js';
import type { GivenTopology } from '../../src/topology/topology.js';
import { findRule } from '../../src/rules/index.js';
import { toPcap, type TestFrame } from '../support/packets.js';

const dir = mkdtempSync(join(tmpdir(), 'lvs-pcap-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

export interface RuleCase {
  name: string;
  frames: TestFrame[];
  given?: Partial<GivenTopology>;
  /** Expected reports of this rule: message id and Wireshark frame numbers (proving frame first). */
  errors?: { messageId: string; frames: number[] }[];
}

export async function runRule(ruleId: string, c: RuleCase): Promise<CheckResult> {
  const rule = findRule(ruleId);
  if (!rule) throw new Error(`no rule ${ruleId}`);
  const path = join(dir, `case-${n++}.pcap`);
  writeFileSync(path, toPcap(c.frames));
  const given: GivenTopology = { services: [], directorMacs: [], realServers: [], sources: [], ...c.given };
  return checkCaptures([path], { given, rules: [rule] });
}

export async function expectRule(ruleId: string, c: RuleCase): Promise<CheckResult> {
  const result = await runRule(ruleId, c);
  const got = result.findings.filter((f) => f.rule === ruleId).map((f) => ({ messageId: f.messageId, frames: f.frames.map((r) => r.frame) }));
  expect(got).toEqual(c.errors ?? []);
  return result;
}

/** Frame number (1-based) of the first frame whose note starts with `prefix`, after `after`. */
export function frameOf(frames: readonly TestFrame[], prefix: string, after = 0): number {
  const i = frames.findIndex((f, idx) => idx >= after && f.note.startsWith(prefix));
  if (i < 0) throw new Error(`no frame "${prefix}"`);
  return i + 1;
}
