/**
 * Per-real-server health on every fixture capture, with the whole topology given: the numbers
 * in topology.realServers[].health against the ones the fixture's description derives with
 * tshark (fixtures/lab/expect.py, `expected.realServerHealth`): connections per real server,
 * handshakes timed and the slowest with its frames, the median's bucket, segments and
 * retransmissions each way, RSTs and zero windows from the server.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkCaptures } from '../../src/check/check.js';
import { buildGivenTopology } from '../../src/topology/build.js';
import { bucketMillis, handshakeBucket } from '../../src/result/health.js';
import type { GivenTopology } from '../../src/topology/topology.js';
import { givenFrom, listFixtures, type Fixture } from './fixture-expectations.js';

interface ExpectedHealth {
  connections: number;
  handshakes: number;
  handshakeMedianBucketFromUs: number | null;
  slowestHandshakeUs: number | null;
  slowestHandshake: [number, number] | null;
  segmentsToServer: number;
  segmentsFromServer: number;
  retransmittedToServer: number;
  retransmittedFromServer: number;
  resets: number;
  zeroWindows: number;
}

function given(fx: Fixture): GivenTopology {
  const flags = givenFrom(fx.description);
  const ln = fx.capturePath.replace(/\.pcap(ng)?(\.gz)?$/, '.ipvsadm-Ln.txt');
  if (!existsSync(ln)) return flags;
  const table = buildGivenTopology({ ipvsadm: { text: readFileSync(ln, 'utf8'), source: 'ipvsadm-Ln.txt' } });
  return { ...table, directorMacs: flags.directorMacs, realServers: flags.realServers, sources: [...table.sources, 'fixture description'] };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const fixtures = listFixtures({ withIpvs: true });

describe('real-server health against tshark', () => {
  // No capture of the labs holds a real server's RST or zero window: test/rules/rs-health.test.ts has them.
  it('some fixture shows retransmissions both ways and timed handshakes', () => {
    const all = fixtures.flatMap((fx) => Object.values((fx.description.expected as { realServerHealth?: Record<string, ExpectedHealth> }).realServerHealth ?? {}));
    expect(all.some((h) => h.retransmittedToServer > 0)).toBe(true);
    expect(all.some((h) => h.retransmittedFromServer > 0)).toBe(true);
    expect(all.some((h) => h.handshakes > 0)).toBe(true);
  });

  for (const fx of fixtures) {
    it(fx.name, async () => {
      const want = (fx.description.expected as { realServerHealth?: Record<string, ExpectedHealth> }).realServerHealth;
      expect(want, 'the description has realServerHealth (re-derive it with expect.py --regen)').toBeDefined();
      const r = await checkCaptures([fx.capturePath], { given: given(fx) });
      const got: Record<string, ExpectedHealth> = {};
      for (const rs of r.topology.realServers) {
        const h = rs.health;
        if (h === undefined || rs.mac === undefined) continue;
        got[rs.mac] = {
          connections: h.connections,
          handshakes: h.handshakes,
          handshakeMedianBucketFromUs: null,
          slowestHandshakeUs: h.handshakeMs ? Math.round(h.handshakeMs.max * 1000) : null,
          slowestHandshake: h.slowestHandshake ? [h.slowestHandshake.syn.frame, h.slowestHandshake.synAck.frame] : null,
          segmentsToServer: h.segmentsToServer,
          segmentsFromServer: h.segmentsFromServer,
          retransmittedToServer: h.retransmittedToServer,
          retransmittedFromServer: h.retransmittedFromServer,
          resets: h.resets,
          zeroWindows: h.zeroWindows,
        };
        // The median as shown: the middle of the expected bucket, never past the slowest.
        const low = want![rs.mac]?.handshakeMedianBucketFromUs;
        if (low !== null && low !== undefined && h.handshakeMs) {
          expect(h.handshakeMs.median).toBe(round3(Math.min(bucketMillis(handshakeBucket(low)), h.handshakeMs.max)));
        }
      }
      const comparable = (m: Record<string, ExpectedHealth>): Record<string, ExpectedHealth> =>
        Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { ...v, handshakeMedianBucketFromUs: null }]));
      expect(got).toEqual(comparable(want!));
    });
  }
});
