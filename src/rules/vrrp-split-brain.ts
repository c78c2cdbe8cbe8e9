import { defineRule } from './define.js';
import type { HostRef, Remediation } from '../result/result.js';
import type { VrrpRunView } from '../result/views.js';
import { allowVrrp, keepalivedConf, vrrpSender } from './fixes.js';

/**
 * Adverts each sender sent while the other was advertising, at least: a takeover overlaps by
 * one advert (the new MASTER's first, before the old one hears it), never by two from each.
 */
const MIN_EACH = 3;

/**
 * Two VRRP routers both MASTER of one virtual router: both hold the VIP, both answer ARP for
 * it, and the clients split between them by whichever answer arrived first.
 */
export default defineRule({
  id: 'vrrp-split-brain',
  kind: 'vrrp',
  defaultSeverity: 'error',
  meta: {
    summary: 'one VRRP MASTER per virtual router: two senders never keep advertising the same VRID or VIP at once',
    rationale:
      'keepalived moves the VIP with VRRP: the MASTER advertises, the BACKUP stays silent while it hears it. When the BACKUP does not hear the MASTER (VRRP blocked by a firewall, another virtual_router_id, unicast_peer on one side only, adverts it drops for another interval, address list or authentication), it becomes MASTER too: both directors hold the VIP and answer ARP for it, each client follows whichever answer came first, and connections break when one of them later gives the VIP up. A takeover overlaps by one advert; a split brain by advert after advert.',
    remediation: [
      'Make the directors hear each other: {cause}',
      'Then confirm on both directors that only one holds {vip}: ip -br addr | grep {vip}; keepalived logs "Entering BACKUP STATE" on the other',
    ],
    observability: 'needs both senders\' adverts: a mirror port, any host on the segment (multicast is flooded), or each director\'s own port for unicast VRRP',
  },
  messages: {
    both:
      '{a} and {b} both advertise as MASTER of {router}: {b} from frame {frameB} while {a} kept on (frame {frameA}), {countB} and {countA} adverts over {seconds} s; both hold the VIP (split brain). Likely cause: {cause}',
  },
  create(context) {
    return {
      vrrp(view) {
        const reported = new Set<string>();
        for (const o of view.overlaps) {
          if (o.countA < MIN_EACH || o.countB < MIN_EACH || o.firstA === null || o.firstB === null) continue;
          const a = view.runs[o.a]!;
          const b = view.runs[o.b]!;
          const pair = [who(a), who(b)].sort().join('|');
          if (reported.has(pair)) continue;
          reported.add(pair);
          // Each one's first advert while the other's was live, in capture order: the first is where it began.
          const frames = [o.firstA, o.firstB].sort((x, y) => x.capture - y.capture || x.frame - y.frame);
          const vips = a.addresses.filter((x) => b.addresses.includes(x));
          const hostA = vrrpSender((mac, family, options) => context.analysis.host(mac, family, options), a.senderMac, a.senderIp);
          const hostB = vrrpSender((mac, family, options) => context.analysis.host(mac, family, options), b.senderMac, b.senderIp);
          context.report({
            messageId: 'both',
            data: {
              a: name(a),
              b: name(b),
              router: a.vrid === b.vrid ? `VRID ${a.vrid}` : `${vips.join(', ')} (VRID ${a.vrid} and VRID ${b.vrid})`,
              vrid: a.vrid,
              vip: vips[0] ?? a.addresses[0] ?? '?',
              countA: o.countA,
              countB: o.countB,
              seconds: (o.end - o.start).toFixed(1),
              frameA: o.firstA.frame,
              frameB: o.firstB.frame,
              cause: cause(a, b),
            },
            frames,
            ...(b.senderMac !== undefined ? { mac: b.senderMac } : {}),
            remediation: fixes(a, b, hostA, hostB),
            // Two senders advertising at once is on the wire, whoever the directors are.
            certain: true,
          });
        }
      },
    };
  },
});

function who(r: VrrpRunView): string {
  return r.senderMac ?? r.senderIp;
}

function name(r: VrrpRunView): string {
  return r.senderMac !== undefined ? `${r.senderMac} (${r.senderIp})` : r.senderIp;
}

/** What the two senders' adverts show of why neither acts on the other's. */
function cause(a: VrrpRunView, b: VrrpRunView): string {
  if (a.vrid !== b.vrid) {
    return `their virtual_router_id differ (${a.vrid} from ${a.senderIp}, ${b.vrid} from ${b.senderIp}): each ignores the other's adverts; give both the same virtual_router_id`;
  }
  if (a.multicast !== b.multicast) {
    const [u, m] = a.multicast ? [b, a] : [a, b];
    return `${u.senderIp} advertises to the unicast peer ${u.destination}, ${m.senderIp} to the multicast group ${m.destination}: unicast_peer is set on one side only; set it (naming each other) on both, or on neither`;
  }
  if (!a.multicast && (a.destination !== b.senderIp || b.destination !== a.senderIp)) {
    return `their unicast_peer lists do not name each other (${a.senderIp} sends to ${a.destination}, ${b.senderIp} to ${b.destination})`;
  }
  if (a.version !== b.version) return `one speaks VRRPv${a.version}, the other VRRPv${b.version}: set the same version (vrrp_version in global_defs, or version in the instance)`;
  if (a.intervalCentis !== b.intervalCentis) {
    return `their advert_int differ (${a.intervalCentis / 100} s and ${b.intervalCentis / 100} s): keepalived drops adverts with another interval${a.version === 2 ? ' (VRRPv2)' : ''}; set the same advert_int`;
  }
  if ([...a.addresses].sort().join() !== [...b.addresses].sort().join()) {
    return `their virtual_ipaddress lists differ (${a.addresses.join(', ')} and ${b.addresses.join(', ')}): keepalived drops adverts whose addresses are not its own; give both the same list`;
  }
  if (a.authType !== b.authType) return `their authentication differs (auth type ${a.authType} and ${b.authType}): set the same authentication block on both`;
  if (a.badChecksums > 0 || b.badChecksums > 0) return 'adverts arrive with a wrong checksum and are dropped (a NIC offload or a middlebox rewriting them)';
  const ttl = a.ttl !== 255 ? a : b.ttl !== 255 ? b : undefined;
  if (ttl !== undefined && a.multicast) return `adverts from ${ttl.senderIp} arrive with TTL ${ttl.ttl}, not 255: keepalived drops them (are the directors on one link?)`;
  return `the adverts agree (VRID ${a.vrid}, ${a.addresses.join(', ')}, every ${a.intervalCentis / 100} s), so they do not reach the other director's keepalived: VRRP (IP protocol 112 to ${a.destination}) dropped by a firewall on the directors (allow it: nft add rule inet filter input ip protocol vrrp accept), multicast filtered by the switch, or the directors on different VLANs`;
}

/** "the vrrp_instance of VRID 51 (192.168.188.120)": how an SRE finds the block in keepalived.conf. */
function instanceOf(r: VrrpRunView): string {
  return `the vrrp_instance with virtual_router_id ${r.vrid}${r.addresses.length > 0 ? ` (${r.addresses.join(', ')})` : ''}`;
}

/**
 * The change that makes the two directors hear each other, on the director(s) it concerns, in
 * the order cause() tests them: the first difference the adverts show is the one to fix. Where
 * the adverts do not say which side is right, the change goes on the one that began advertising
 * second (b), made like the one that was MASTER first (a).
 */
function fixes(a: VrrpRunView, b: VrrpRunView, hostA: HostRef, hostB: HostRef): Remediation[] {
  const both = `both become MASTER of one virtual router and hold the VIP at once`;
  if (a.vrid !== b.vrid) {
    return [keepalivedConf('keepalived-same-vrid', hostB, `in ${instanceOf(b)}, virtual_router_id ${a.vrid} (as ${a.senderIp} advertises)`, `it advertises VRID ${b.vrid}, ${a.senderIp} VRID ${a.vrid}: each ignores the other's adverts, and ${both}`)];
  }
  if (a.multicast !== b.multicast) {
    const [u, m, hu, hm] = a.multicast ? [b, a, hostB, hostA] : [a, b, hostA, hostB];
    return [
      keepalivedConf(
        'keepalived-unicast-peer',
        hm,
        `in ${instanceOf(m)}, unicast_src_ip ${m.senderIp} and unicast_peer { ${u.senderIp} } (as ${u.senderIp} names it), or remove unicast_peer from ${u.senderIp}'s instance instead`,
        `it advertises to the multicast group ${m.destination} while ${u.senderIp} sends its adverts unicast to ${u.destination}: it never hears them, and ${both}`,
      ),
    ];
  }
  if (!a.multicast && (a.destination !== b.senderIp || b.destination !== a.senderIp)) {
    return [
      keepalivedConf('keepalived-unicast-peer', hostA, `in ${instanceOf(a)}, unicast_peer { ${b.senderIp} }`, `it sends its adverts to ${a.destination}, not to its peer ${b.senderIp}`),
      keepalivedConf('keepalived-unicast-peer', hostB, `in ${instanceOf(b)}, unicast_peer { ${a.senderIp} }`, `it sends its adverts to ${b.destination}, not to its peer ${a.senderIp}`),
    ];
  }
  const like = (id: string, change: string, what: string): Remediation[] => [keepalivedConf(id, hostB, `in ${instanceOf(b)}, ${change} (as on ${a.senderIp})`, `${what}: keepalived drops the other's adverts, and ${both}`)];
  if (a.version !== b.version) return like('keepalived-same-version', `version ${a.version}`, `it speaks VRRPv${b.version}, ${a.senderIp} VRRPv${a.version}`);
  if (a.intervalCentis !== b.intervalCentis) return like('keepalived-same-advert-int', `advert_int ${a.intervalCentis / 100}`, `it advertises every ${b.intervalCentis / 100} s, ${a.senderIp} every ${a.intervalCentis / 100} s`);
  if ([...a.addresses].sort().join() !== [...b.addresses].sort().join()) {
    return like('keepalived-same-vips', `virtual_ipaddress { ${a.addresses.join(' ')} }`, `its adverts carry ${b.addresses.join(', ')}, ${a.senderIp}'s ${a.addresses.join(', ')}`);
  }
  if (a.authType !== b.authType) return like('keepalived-same-auth', 'the same authentication block', `its auth type is ${b.authType}, ${a.senderIp}'s ${a.authType}`);
  // The adverts agree: they do not arrive. Each director must let the other's in.
  const lost = 'its peer\'s adverts agree with its own but never reach its keepalived';
  return [
    allowVrrp(hostA, b.senderIp, b.destination, `${lost} (${b.senderIp}, IP protocol 112 to ${b.destination}), and ${both}`),
    allowVrrp(hostB, a.senderIp, a.destination, `${lost} (${a.senderIp}, IP protocol 112 to ${a.destination}), and ${both}`),
  ];
}
