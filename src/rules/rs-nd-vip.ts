import { defineRule } from './define.js';
import { reportRealServerClaims } from './rs-claims.js';

/** IPv6: a real server must not advertise the VIP (keep it on lo, or mark it nodad and never on the wire interface). */
export default defineRule({
  id: 'rs-nd-vip',
  kind: 'address',
  defaultSeverity: 'error',
  meta: {
    summary: 'real servers never send Neighbor Advertisements for an IPv6 VIP',
    rationale:
      'Linux answers Neighbor Solicitations for addresses on the receiving interface. A VIP configured on the real server\'s network interface instead of lo is advertised with the Override flag, and the last advertisement wins in the client\'s neighbour cache: the client bypasses the director.',
    remediation: [
      'On {rsIp}: move the VIP to lo: ip -6 addr del {vip}/128 dev <if>; ip -6 addr add {vip}/128 dev lo',
    ],
    observability: 'needs the Neighbor Advertisements: a mirror port, the RS port or the soliciting host',
  },
  messages: {
    advertised: 'real server {rs} advertised the VIP {vip} ({count} Neighbor Advertisement{s}, first: frame {frame})',
  },
  create(context) {
    return {
      addresses(addresses) {
        reportRealServerClaims(context, addresses, ['na'], 'advertised', (n) => (n === 1 ? '' : 's'));
      },
    };
  },
});
