// Judged flows are recycled (FlowPool, and their legs' LegTable records) while the copy matcher
// may still hold one of their legs for the one-second copy window. A copy whose original's flow
// was evicted meanwhile must not be credited to the flow that now reuses the flow or its records.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCaptures } from '../../src/check/check.js';
import type { GivenTopology } from '../../src/topology/topology.js';
import { DIRECTOR, RS1, RS2, T0, VIP, drConversation, frameAt, toPcap, type TestFrame } from '../support/packets.js';

const GIVEN: GivenTopology = {
  services: [{ vip: VIP, port: 80, proto: 'tcp' }],
  directorMacs: [DIRECTOR.mac],
  realServers: [
    { ip: RS1.ip, mac: RS1.mac },
    { ip: RS2.ip, mac: RS2.mac },
  ],
  sources: [],
};

const dir = mkdtempSync(join(tmpdir(), 'lvs-pcap-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pick(frames: TestFrame[], note: string, micros: number): TestFrame {
  const f = frames.find((x) => x.note === note);
  if (!f) throw new Error(`no frame ${note}`);
  return frameAt(f.data, T0, micros * 1000, note);
}

describe('flow recycling', () => {
  it('a copy arriving after its flow was evicted is not credited to the flow reusing its objects', async () => {
    const a = drConversation({ clientPort: 40000 });
    const b = drConversation({ clientPort: 40001 });
    const frames = [
      pick(a, 'client->director SYN', 0),
      // A second flow with a table of one: the first is evicted, judged and its objects reused.
      pick(b, 'client->director SYN', 1000),
      // The director's copy of the first SYN, well inside the copy window.
      pick(a, 'director->rs copy of SYN', 2000),
    ];
    const path = join(dir, 'evicted-original.pcap');
    writeFileSync(path, toPcap(frames));
    const result = await checkCaptures([path], { given: GIVEN, maxFlows: 1 });
    expect(result.summary.evictedFlows).toBeGreaterThan(0);
    const second = result.flows.filter((f) => f.client.port === 40001);
    expect(second).toHaveLength(1);
    expect(second[0]!.packets.forwarded).toBe(0);
    expect(second[0]!.realServer).toBeNull();
    // The copy stays with its own client endpoint, in a flow of its own after the eviction.
    const first = result.flows.filter((f) => f.client.port === 40000);
    expect(first.reduce((n, f) => n + f.packets.forwarded, 0)).toBe(1);
    expect(first.find((f) => f.packets.forwarded === 1)?.realServer?.mac).toBe(RS1.mac);
  });
});
