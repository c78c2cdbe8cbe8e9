import { defineRule } from './define.js';
import { lookAtServer } from './fixes.js';
import type { RealServerHealthView } from '../result/views.js';
import { bucketLow, bucketMillis, HANDSHAKE_BUCKETS, quantileBucket, wilsonLower } from '../result/health.js';

/** Handshakes a real server, and its peers together, need before their medians are compared. */
export const MIN_HANDSHAKES = 5;
/** Slow: a median at least this many times its peers' ... */
export const SLOW_FACTOR = 4;
/** ... and at least this much longer (µs): a few hundred microseconds apart on a LAN is noise. */
export const SLOW_MARGIN_MICROS = 20_000;
/** Retransmissions: at least this many segments sent again, and peers with this many segments. */
export const MIN_RETRANSMITTED = 3;
export const MIN_PEER_SEGMENTS = 10;
/** Standard deviations of the Wilson bound on the server's rate (3: about 1 in 1000 by chance). */
export const RATE_Z = 3;
/** The bound must exceed twice the peers' rate and the peers' rate plus one point. */
export const RATE_FACTOR = 2;
export const RATE_MARGIN = 0.01;

/**
 * One real server unlike its peers in the same capture: a health check (keepalived's
 * TCP_CHECK, a load balancer's probes) answers "is it up?", not "is it slower or lossier than
 * the others?", and an RS that is up but sick keeps getting its share of connections.
 */
export default defineRule({
  id: 'rs-health',
  kind: 'server',
  defaultSeverity: 'warning',
  meta: {
    summary: 'no real server answers handshakes far slower, or has far more segments retransmitted, than its peers',
    rationale:
      'A director schedules by weights and connection counts, not by how well each real server answers: one that is slow (an overloaded host, a bad NIC, a congested or lossy path) keeps getting its share of connections, and its clients see the service as slow or flaky while the others are fine. The handshake (the SYN the director forwarded to the real server\'s SYN-ACK) and the retransmitted segments of its connections show it on the wire, compared with its peers in the same capture so that the network\'s own latency and loss cancel out. Slow: its median handshake at least 4 times its peers\' and 20 ms longer (5 handshakes each at least). Lossy: at least 3 segments of its connections sent again, and a rate whose lower 3-sigma bound (Wilson) exceeds twice its peers\' rate and their rate plus one point.',
    remediation: [
      'On {rsIp}: check the load and the interface (uptime; ss -s; ip -s link show; ethtool -S eth0 | grep -i -e drop -e err; tc qdisc show)',
      'Check the path from the director to {rsIp} and back to the clients (mtr -n {rsIp}; a switch port\'s error counters)',
      'Drain it while you look: ipvsadm -e -t <vip:port> -r {rsIp} -w 0 (keepalived: weight 0, or inhibit_on_failure with a failing check)',
    ],
    observability:
      "needs the SYN (or the director's copy of it) and the real server's SYN-ACK, and the segments both ways: a mirror port or the real server's port; the director's port alone never sees the answers",
  },
  messages: {
    slow: 'real server {rs} answered SYNs in {median} (median of {handshakes} handshakes; slowest {slowest}), its peers in {peerMedian} (median of {peerHandshakes})',
    retransmits:
      'real server {rs}: {retransmitted} of {segments} segments of its connections were sent again ({rate}; {toServer} to it, {fromServer} from it), its peers {peerRate} ({peerRetransmitted} of {peerSegments})',
  },
  create(context) {
    return {
      realServers(servers) {
        for (const rs of servers) {
          if (rs.connections === 0) continue;
          const peers = servers.filter((p) => p !== rs && p.connections > 0);
          if (peers.length === 0) continue;
          const name = rs.ip !== undefined ? `${rs.ip} (${rs.mac})` : rs.mac;
          const rsIp = rs.ip ?? rs.mac;
          const host = context.analysis.host(rs.mac, rs.ip !== undefined && rs.ip.includes(':') ? 6 : 4, { ip: rs.ip, unknownAs: 'real-server' });
          const slow = slowHandshakes(rs, peers);
          if (slow !== undefined && rs.slowest !== undefined) {
            context.report({
              messageId: 'slow',
              data: {
                rs: name,
                rsIp,
                median: ms(bucketMillis(slow.median)),
                handshakes: rs.handshakes,
                slowest: ms(rs.slowest.micros / 1000),
                peerMedian: ms(bucketMillis(slow.peerMedian)),
                peerHandshakes: slow.peerHandshakes,
              },
              frames: [rs.slowest.syn, rs.slowest.synAck],
              mac: rs.mac,
              remediation: [lookAtServer(host, `it answered SYNs in ${ms(bucketMillis(slow.median))} (median), its peers in ${ms(bucketMillis(slow.peerMedian))}: the host or its path is slow, not the director's scheduling`)],
            });
          }
          const lossy = retransmits(rs, peers);
          if (lossy !== undefined) {
            const segments = rs.segmentsToServer + rs.segmentsFromServer;
            const retransmitted = rs.retransmittedToServer + rs.retransmittedFromServer;
            context.report({
              messageId: 'retransmits',
              data: {
                rs: name,
                rsIp,
                retransmitted,
                segments,
                rate: percent(retransmitted / segments),
                toServer: rs.retransmittedToServer,
                fromServer: rs.retransmittedFromServer,
                peerRate: percent(lossy.peerSegments > 0 ? lossy.peerRetransmitted / lossy.peerSegments : 0),
                peerRetransmitted: lossy.peerRetransmitted,
                peerSegments: lossy.peerSegments,
              },
              frames: [...rs.retransmitFrames],
              mac: rs.mac,
              remediation: [lookAtServer(host, `${percent(retransmitted / segments)} of its connections' segments were sent again, its peers' ${percent(lossy.peerSegments > 0 ? lossy.peerRetransmitted / lossy.peerSegments : 0)}: packets are lost on the host or its path`)],
            });
          }
        }
      },
    };
  },
});

/** Median buckets of the server and of its peers pooled, when the server is far slower. */
export function slowHandshakes(rs: RealServerHealthView, peers: readonly RealServerHealthView[]): { median: number; peerMedian: number; peerHandshakes: number } | undefined {
  const pooled = new Uint32Array(HANDSHAKE_BUCKETS);
  let peerHandshakes = 0;
  for (const p of peers) {
    peerHandshakes += p.handshakes;
    for (let i = 0; i < HANDSHAKE_BUCKETS; i++) pooled[i]! += p.handshakeBuckets[i] ?? 0;
  }
  if (rs.handshakes < MIN_HANDSHAKES || peerHandshakes < MIN_HANDSHAKES) return undefined;
  const median = quantileBucket(rs.handshakeBuckets, 0.5);
  const peerMedian = quantileBucket(pooled, 0.5);
  const mine = bucketLow(median);
  const theirs = bucketLow(peerMedian);
  if (mine < SLOW_FACTOR * theirs || mine - theirs < SLOW_MARGIN_MICROS) return undefined;
  return { median, peerMedian, peerHandshakes };
}

/** The peers' pooled counts, when the server's retransmission rate stands far above theirs. */
export function retransmits(rs: RealServerHealthView, peers: readonly RealServerHealthView[]): { peerRetransmitted: number; peerSegments: number } | undefined {
  let peerSegments = 0;
  let peerRetransmitted = 0;
  for (const p of peers) {
    peerSegments += p.segmentsToServer + p.segmentsFromServer;
    peerRetransmitted += p.retransmittedToServer + p.retransmittedFromServer;
  }
  const segments = rs.segmentsToServer + rs.segmentsFromServer;
  const retransmitted = rs.retransmittedToServer + rs.retransmittedFromServer;
  if (retransmitted < MIN_RETRANSMITTED || peerSegments < MIN_PEER_SEGMENTS) return undefined;
  const peerRate = peerRetransmitted / peerSegments;
  const bound = wilsonLower(retransmitted, segments, RATE_Z);
  if (bound <= Math.max(RATE_FACTOR * peerRate, peerRate + RATE_MARGIN)) return undefined;
  return { peerRetransmitted, peerSegments };
}

function ms(x: number): string {
  if (x >= 1000) return `${(x / 1000).toFixed(2)} s`;
  if (x >= 10) return `${x.toFixed(0)} ms`;
  return `${x.toFixed(x >= 1 ? 1 : 2)} ms`;
}

function percent(x: number): string {
  return `${(x * 100).toFixed(x < 0.1 ? 2 : 1)}%`;
}
