import { defineRule } from './define.js';
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
      'On every real server: sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 (and the same for lo and the interface; persist in /etc/sysctl.d)',
      "Flush the poisoned entry on the client, or wait for it to expire: ip neigh del {vip} dev <if> (on {client})",
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
        if (claim) {
          context.report({
            messageId: 'bypassPoisoned',
            data: { ...data, claimFrame: claim.frame.frame, claimKind: describe(claim) },
            frames: [leg.first, claim.frame],
            mac: leg.dstMac,
          });
        } else {
          context.report({ messageId: 'bypass', data, frames: [leg.first], mac: leg.dstMac });
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
