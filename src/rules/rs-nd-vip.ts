import { defineRule } from './define.js';
import { reportRealServerClaims } from './rs-claims.js';
import { vip6ToLo } from './fixes.js';

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
      'On that real server, the VIP on lo only: ip -6 addr flush to {vip}/128 (removes it from whichever interface has it), then ip -6 addr replace {vip}/128 dev lo',
    ],
    observability: 'needs the Neighbor Advertisements: a mirror port, the RS port or the soliciting host',
  },
  messages: {
    advertised: 'real server {rs} advertised the VIP {vip} ({count} Neighbor {count|Advertisement|Advertisements}, first: frame {frame})',
  },
  create(context) {
    return {
      addresses(addresses) {
        reportRealServerClaims(context, addresses, ['na'], 'advertised', (rs, vip, first) => [
          vip6ToLo(rs, vip, `it answers Neighbor Solicitations for ${vip} (${first}): Linux does for an address on the interface that receives them, so the VIP is on that interface, not on lo`),
        ]);
      },
    };
  },
});
