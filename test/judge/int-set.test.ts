import { describe, expect, it } from 'vitest';
import { Int32Set } from '../../src/judge/int-set.js';

describe('Int32Set', () => {
  it('counts distinct int32 values as a Set does, through its growth, zero and negatives included', () => {
    const ours = new Int32Set();
    const reference = new Set<number>();
    // IPv4 addresses as int32 (above 2^31 they are negative), many repeated, one subnet dense.
    let x = 12345;
    for (let i = 0; i < 200_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) | 0;
      const v = i % 3 === 0 ? (0x0a000000 | (i & 0xffff)) | 0 : i % 7 === 0 ? 0 : x % 50_000 | 0xc0000000;
      ours.add(v);
      reference.add(v);
    }
    expect(reference.size).toBeGreaterThan(20_000);
    expect(ours.size).toBe(reference.size);
    for (const v of reference) expect(ours.has(v)).toBe(true);
    expect(ours.has(0x7fffffff)).toBe(reference.has(0x7fffffff));
    expect(ours.has(1)).toBe(reference.has(1));
  });

  it('holds zero apart from the empty slots', () => {
    const s = new Int32Set();
    expect(s.has(0)).toBe(false);
    s.add(0);
    s.add(0);
    expect(s.size).toBe(1);
    expect(s.has(0)).toBe(true);
  });
});
