import { defineRule } from './define.js';
import { arpSysctls, flushVipNeighbour, vip6ToLo } from './fixes.js';
import type { AddressView, ClaimEvent } from '../result/views.js';

/** Clients must reach the VIP through the director; a frame to an RS MAC means a poisoned ARP cache. */
export default defineRule({
  id: 'client-bypass',
  kind: 'flow',
  defaultSeverity: 'error',
  meta: {
    summary: "clients send VIP traffic to the director's MAC, never straight to a real server",
    rationale:
      'A client that resolved the VIP to a real server\'s MAC sends every connection to that one server: balancing silently stops and the director\'s health checks no longer protect the client. It happens when a real server answered ARP for the VIP (arp_ignore=0) or announced it in its own ARP requests (arp_announce=0).',
    remediation: [
      'On every real server: sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 (persist it in /etc/sysctl.d); IPv6: the VIP on lo only (ip -6 addr flush to {vip}/128; ip -6 addr replace {vip}/128 dev lo)',
      'Then, on each client (or its router) that sent to a real server: ip neigh flush to {vip} (IPv6: ip -6 neigh flush to {vip}), or wait for the entry to expire',
    ],
    observability: "needs the client's frames with their destination MAC: a mirror port, the client's port, or the RS's port",
  },
  messages: {
    bypass: 'client {client} sent to the VIP via {rs} (a real server), bypassing the director',
    bypassPoisoned: 'client {client} sent to the VIP via {rs} (a real server), bypassing the director; most likely poisoned by frame {claimFrame} ({claimKind} from that RS)',
  },
  create(context) {
    return {
      flowEnd(flow) {
        const leg = flow.bypass[0];
        if (!leg || leg.dstMac === undefined) return;
        const rsIp = context.analysis.realServerIp(leg.dstMac);
        const rs = rsIp ? `${rsIp} (${leg.dstMac})` : leg.dstMac;
        const claim = poisoningClaim(context.analysis.addresses, flow.vip.ip, leg.dstMac, leg.srcMac, leg.firstTime);
        const data = { client: flow.client.ip, rs, vip: flow.vip.ip, port: flow.vip.port, at: leg.firstTime };
        const family = flow.vip.ip.includes(':') ? 6 : 4;
        const rsHost = context.analysis.host(leg.dstMac, family, { unknownAs: 'real-server' });
        const poisoned = context.analysis.clientGateway(flow.client.ip, leg.srcMac);
        const remediation = [
          family === 4
            ? arpSysctls(rsHost, `clients reach ${flow.vip.ip} at its MAC: it answered ARP for the VIP (arp_ignore=0) or announced it (arp_announce=0)`)
            : vip6ToLo(rsHost, flow.vip.ip, `clients reach ${flow.vip.ip} at its MAC: it advertises the VIP, which Linux does for an address on the interface that received the Neighbor Solicitation`),
          flushVipNeighbour(poisoned, flow.vip.ip, `its neighbour entry for ${flow.vip.ip} points at the real server ${leg.dstMac}; flushed, its next packet asks again and only the director answers`),
        ];
        if (claim) {
          context.report({
            messageId: 'bypassPoisoned',
            data: { ...data, claimFrame: claim.frame.frame, claimKind: describe(claim) },
            frames: [leg.first, claim.frame],
            mac: leg.dstMac,
            remediation,
          });
        } else {
          context.report({ messageId: 'bypass', data, frames: [leg.first], mac: leg.dstMac, remediation });
        }
      },
    };
  },
});

/**
 * The claim of the VIP by this RS MAC that most plausibly reached the client before its bypass:
 * the latest one addressed to the client (a reply to its request), else the latest broadcast.
 */
function poisoningClaim(
  addresses: readonly AddressView[],
  vip: string,
  rsMac: string,
  clientMac: string | undefined,
  before: number,
): ClaimEvent | undefined {
  const address = addresses.find((a) => a.ip === vip);
  if (!address) return undefined;
  let toClient: ClaimEvent | undefined;
  let broadcast: ClaimEvent | undefined;
  for (const e of address.sequence) {
    if (e.mac !== rsMac || e.time > before) continue;
    if (clientMac !== undefined && e.to === clientMac) toClient = e;
    else if (e.to === undefined) broadcast = e;
  }
  return toClient ?? broadcast;
}

function describe(e: ClaimEvent): string {
  switch (e.kind) {
    case 'arp-reply':
      return 'ARP reply';
    case 'arp-request':
      return 'ARP request with the VIP as sender';
    case 'arp-gratuitous':
      return 'gratuitous ARP';
    case 'na':
      return 'Neighbor Advertisement';
  }
}
