import { describe, expect, it } from 'vitest';
import { SolicitationLog } from '../../src/track/solicitations.js';

/** The log's open entries (private: what a flood would fill). */
function openEntries(log: SolicitationLog): number {
  return (log as unknown as { open: Map<string, unknown> }).open.size;
}

describe('SolicitationLog under a flood', () => {
  it('unsolicited ARP replies, each for another address, keep at most 4096 open entries', () => {
    const log = new SolicitationLog();
    for (let i = 0; i < 50_000; i++) log.answer(0x0a000000 + i, 0x000c29000001, 0x000c29000002, 0, i + 1, i / 1e6);
    expect(openEntries(log)).toBeLessThanOrEqual(4096);
  });

  it('a second answer to the same requester within the window is still a duplicate', () => {
    const log = new SolicitationLog();
    for (let i = 0; i < 10_000; i++) log.answer(0x0a000000 + i, 0x000c29000001, 0x000c29000002, 0, i + 1, i / 1e6);
    log.answer(0x0b000001, 0x000c29000003, 0x000c29000002, 0, 20_001, 0.02);
    log.answer(0x0b000001, 0x000c29000004, 0x000c29000002, 0, 20_002, 0.021);
    expect(log.duplicateCount).toBe(1);
    expect(log.duplicates[0]!.answers.map((a) => a.mac)).toEqual([0x000c29000003, 0x000c29000004]);
  });
});
