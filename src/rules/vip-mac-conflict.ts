import { defineRule } from './define.js';
import { analyseOwnership } from '../infer/ownership.js';
import { arpSysctls, unknownV6, vip6ToLo } from './fixes.js';
import type { Remediation } from '../result/result.js';

/** One address, one MAC at a time: like Wireshark's duplicate-address detection, no topology needed. */
export default defineRule({
  id: 'vip-mac-conflict',
  kind: 'address',
  defaultSeverity: 'error',
  meta: {
    summary: 'no two MACs claim the VIP at the same time',
    rationale:
      'Hosts on the segment bind an IP address to the last MAC that claimed it. Two live claimants (two directors both master, a real server answering for the VIP) split the clients between them, and which client goes where depends on timing alone.',
    remediation: [
      'A real server: sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 (IPv6: the VIP on lo only)',
      'A second director: only one may hold the VIP; check keepalived/VRRP on both (one MASTER), and remove the VIP from the other',
    ],
    observability: 'needs the ARP/ND frames of both claimants: a mirror port, or any host that received both',
  },
  messages: {
    conflict: '{mac} ({role}) claimed {ip} while {owner} owned it ({count} {count|claim|claims}, first: frame {frame})',
  },
  create(context) {
    const fix = (mac: string, ip: string, family: 4 | 6, frame: string): Remediation => {
      const host = context.analysis.host(mac, family);
      if (host.role === 'director') {
        return {
          id: 'one-director-owns-vip',
          host,
          commands: [],
          manual: `make sure only one director holds ${ip}: check keepalived/VRRP on both (one MASTER), and remove the VIP from this one if it is the backup`,
          why: `it claimed ${ip} (${frame}) while another director owned it`,
        };
      }
      const rs = host;
      return family === 4
        ? arpSysctls(rs, `it claimed ${ip} (${frame}) while the director owned it`)
        : rs.role === 'host'
          ? unknownV6(rs, ip, frame)
          : vip6ToLo(rs, ip, `it claimed ${ip} (${frame}) while the director owned it`);
    };
    const roleOf = (mac: string): string =>
      context.analysis.isDirectorMac(mac) ? 'director' : context.analysis.isRealServerMac(mac) ? 'real server' : 'unknown host';
    return {
      addresses(addresses) {
        const vipsKnown = context.analysis.vips.length > 0;
        for (const address of addresses) {
          if (vipsKnown && !address.isVip) continue;
          // Answers to a request several MACs answered are duplicate-address's: which of the
          // answering MACs "owned" the address then is not a question the wire answers.
          const answered = new Set(address.duplicateAnswers.flatMap((e) => e.answers.map((a) => `${a.frame.capture}:${a.frame.frame}`)));
          const sequence = answered.size === 0 ? address.sequence : address.sequence.filter((e) => !answered.has(`${e.frame.capture}:${e.frame.frame}`));
          const own = analyseOwnership(sequence, (mac) => context.analysis.isDirectorMac(mac));
          for (const c of own.conflicts) {
            const first = c.events[0];
            if (!first) continue;
            context.report({
              messageId: 'conflict',
              data: {
                mac: c.mac,
                role: roleOf(c.mac),
                ip: address.ip,
                owner: c.owner,
                count: c.events.length,
                frame: first.frame.frame,
              },
              frames: c.events.map((e) => e.frame),
              mac: c.mac,
              remediation: [fix(c.mac, address.ip, address.family, context.analysis.frameLabel(first.frame))],
            });
          }
        }
      },
    };
  },
});
