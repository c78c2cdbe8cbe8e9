/**
 * A small capture must not make the reader say a lot: warnings are capped per code (the rest
 * counted in one closing warning), and per-section state stays bounded however many sections,
 * interfaces or undeclared interface ids a file holds.
 */
import { describe, expect, it } from 'vitest';
import { MAX_ISSUES_PER_CODE } from '../../src/capture/context.js';
import { readCaptureBuffer } from '../../src/capture/read.js';
import { CollectSink, epb, idb, ORDERS, shb, type Row } from './build.js';

/** `n` copies of `unit`, without building an array of n arrays. */
function repeat(unit: Row, n: number): Uint8Array {
  const out = new Uint8Array(unit.length * n);
  const u = Uint8Array.from(unit);
  for (let i = 0; i < n; i++) out.set(u, i * u.length);
  return out;
}

function join(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe.each(ORDERS)('reader warnings stay bounded, %s', (_name, le) => {
  it('section churn: every section names an interface it never declared', () => {
    const pairs = 50_000;
    // Each pair: a section header, then a packet naming interface 0 of that empty section.
    const file = repeat([...shb(le), ...epb(le, 0, 0, 0, 4)], pairs);
    const sink = new CollectSink();
    const s = readCaptureBuffer(file, sink);
    expect(sink.records).toHaveLength(0);
    const unknown = s.issues.filter((i) => i.code === 'unknown_interface');
    expect(unknown).toHaveLength(MAX_ISSUES_PER_CODE + 1);
    expect(sink.issues).toEqual(s.issues);
    const last = unknown[unknown.length - 1]!;
    expect(last.message).toBe(`${pairs - MAX_ISSUES_PER_CODE} more unknown_interface warnings like the ones above were not listed (the first of them at byte ${last.offset})`);
    // The first one not listed: pair number MAX_ISSUES_PER_CODE (0-based), at its EPB.
    const pairLength = shb(le).length + epb(le, 0, 0, 0, 4).length;
    expect(last.offset).toBe(MAX_ISSUES_PER_CODE * pairLength + shb(le).length);
    expect(s.complete).toBe(true);
  });

  it('one section, a new undeclared interface id in every packet', () => {
    const n = 50_000;
    const packets: Uint8Array[] = [];
    for (let i = 0; i < n; i++) packets.push(Uint8Array.from(epb(le, 1 + i, 0, 0, 4)));
    const s = readCaptureBuffer(join(Uint8Array.from([...shb(le), ...idb(le, 1, 0)]), ...packets), new CollectSink());
    const unknown = s.issues.filter((i) => i.code === 'unknown_interface');
    expect(unknown).toHaveLength(MAX_ISSUES_PER_CODE + 1);
    expect(unknown[MAX_ISSUES_PER_CODE]!.message).toMatch(new RegExp(`^${n - MAX_ISSUES_PER_CODE} more unknown_interface warnings`));
  });

  it('fatal issues are never held back, and a capture with fewer warnings than the cap lists them all', () => {
    const few = repeat([...shb(le), ...epb(le, 0, 0, 0, 4)], 3);
    expect(readCaptureBuffer(few, new CollectSink()).issues.map((i) => i.code)).toEqual(['unknown_interface', 'unknown_interface', 'unknown_interface']);
    // A block length of 8 after 40 warnings of another code: the fatal issue is listed, last but one.
    const broken = Uint8Array.from(shb(le));
    broken.set(le ? [8, 0, 0, 0] : [0, 0, 0, 8], 4);
    const s = readCaptureBuffer(join(repeat([...shb(le), ...epb(le, 0, 0, 0, 4)], 40), broken), new CollectSink());
    expect(s.issues.map((i) => [i.code, i.fatal])).toEqual([
      ...new Array(MAX_ISSUES_PER_CODE).fill(['unknown_interface', false]),
      ['bad_block_length', true],
      ['unknown_interface', false],
    ]);
  });

  it('interfaces per section are bounded: the ones past the bound are reported and their packets skipped', () => {
    const idbs = repeat(idb(le, 1, 0), 70_000);
    const file = join(Uint8Array.from(shb(le)), idbs, Uint8Array.from([...epb(le, 65_535, 0, 0, 4), ...epb(le, 69_999, 0, 0, 4)]));
    const sink = new CollectSink();
    const s = readCaptureBuffer(file, sink);
    expect(sink.records.map((r) => r.interfaceId)).toEqual([65_535]);
    expect(s.issues.map((i) => i.code)).toEqual(['too_many_interfaces', 'unknown_interface']);
    expect(s.issues[0]!.message).toMatch(/^interface description block at byte \d+: more than 65536 interfaces in one section; it and the later ones of the section are ignored, with their packets$/);
  });
});
