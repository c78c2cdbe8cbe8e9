import { defineRule } from './define.js';
import { reportRealServerClaims } from './rs-claims.js';
import { arpSysctls } from './fixes.js';

/** arp_ignore=1 keeps a real server from answering ARP for an address configured on lo. */
export default defineRule({
  id: 'rs-arp-reply-vip',
  kind: 'address',
  defaultSeverity: 'error',
  meta: {
    summary: 'real servers never answer ARP for the VIP',
    rationale:
      'With arp_ignore=0 (the default) Linux answers ARP for any local address, including the VIP on lo. The requester keeps the first answer it gets; if that is a real server, all of that client\'s connections bypass the director until the entry expires.',
    remediation: [
      'On every real server: sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 (the kernel applies the larger of all and the interface value)',
      'Persist it: net.ipv4.conf.all.arp_ignore = 1 and net.ipv4.conf.all.arp_announce = 2 in /etc/sysctl.d/90-lvs-dr.conf',
    ],
    observability: 'needs the ARP replies: a mirror port, the RS port, or the requester\'s port',
  },
  messages: {
    answered: 'real server {rs} answered ARP for the VIP {vip} ({count} {count|reply|replies}, first: frame {frame})',
  },
  create(context) {
    return {
      addresses(addresses) {
        reportRealServerClaims(context, addresses, ['arp-reply'], 'answered', (rs, vip, first) => [
          arpSysctls(rs, `it answers ARP requests for ${vip} (${first}): arp_ignore=0, the default, answers for any local address, the VIP on lo included`),
        ]);
      },
    };
  },
});
