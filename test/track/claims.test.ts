import { describe, expect, it } from 'vitest';
import { ClaimLog, MAX_ADDRESSES } from '../../src/track/claims.js';

describe('ClaimLog', () => {
  it('keeps the claims of at most MAX_ADDRESSES addresses and counts the rest', () => {
    const log = new ClaimLog();
    const extra = 5000;
    for (let i = 0; i < MAX_ADDRESSES + extra; i++) log.add(0x0a000000 + i, 0x000c29000001, 'arp-reply', 0, i + 1, i / 1000, -1);
    expect(log.byIp.size).toBe(MAX_ADDRESSES);
    expect(log.unkept).toBe(extra);
    // Addresses already kept still take new claims.
    const version = log.version;
    log.add(0x0a000000, 0x000c29000002, 'arp-reply', 0, 1, 100, -1);
    expect(log.byIp.get(0x0a000000)?.claimants.size).toBe(2);
    expect(log.version).toBe(version + 1);
    log.add(0x0b000000, 0x000c29000002, 'arp-reply', 0, 1, 100, -1);
    expect(log.version).toBe(version + 1);
    expect(log.unkept).toBe(extra + 1);
  });
});
