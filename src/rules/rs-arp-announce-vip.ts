import { defineRule } from './define.js';
import { reportRealServerClaims } from './rs-claims.js';

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
      'On {rsIp}: sysctl -w net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.lo.arp_announce=2',
      'Persist it: echo -e "net.ipv4.conf.all.arp_announce = 2\\nnet.ipv4.conf.lo.arp_announce = 2" > /etc/sysctl.d/90-lvs-dr.conf',
    ],
    observability: 'needs the RS\'s ARP requests (broadcast): any vantage point on the segment',
  },
  messages: {
    announced: 'real server {rs} sent ARP with the VIP {vip} as sender IP ({count} request{s}, first: frame {frame})',
  },
  create(context) {
    return {
      addresses(addresses) {
        reportRealServerClaims(context, addresses, ['arp-request', 'arp-gratuitous'], 'announced', (n) => (n === 1 ? '' : 's'));
      },
    };
  },
});
