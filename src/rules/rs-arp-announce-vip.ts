import { defineRule } from './define.js';
import { reportRealServerClaims } from './rs-claims.js';
import { arpSysctls } from './fixes.js';

/** arp_announce=2 makes a real server use its own address, never the VIP, as ARP sender IP. */
export default defineRule({
  id: 'rs-arp-announce-vip',
  kind: 'address',
  defaultSeverity: 'error',
  meta: {
    summary: 'real servers never use the VIP as sender IP in their ARP requests',
    rationale:
      'When a real server replies from the VIP and has to ARP for the client (or its router), arp_announce=0 puts the VIP in the sender fields. Every host that receives the request, the client first, updates its cache: the VIP now points at the real server and the client bypasses the director, even in the middle of a connection.',
    remediation: [
      'On every real server: sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 (the kernel applies the larger of all and the interface value)',
      'Persist it: net.ipv4.conf.all.arp_ignore = 1 and net.ipv4.conf.all.arp_announce = 2 in /etc/sysctl.d/90-lvs-dr.conf',
    ],
    observability: 'needs the RS\'s ARP requests (broadcast): any vantage point on the segment',
  },
  messages: {
    announced: 'real server {rs} sent ARP with the VIP {vip} as sender IP ({count} {count|request|requests}, first: frame {frame})',
  },
  create(context) {
    return {
      addresses(addresses) {
        reportRealServerClaims(context, addresses, ['arp-request', 'arp-gratuitous'], 'announced', (rs, vip, first) => [
          arpSysctls(rs, `it puts ${vip} in the sender fields of its own ARP requests (${first}): arp_announce=0, the default, uses the source address of the packet that needs the ARP, the VIP of its replies`),
        ]);
      },
    };
  },
});
