import { defineRule } from './define.js';
import { formatIsoTime } from '../decode/format.js';
import { analyseOwnership } from '../infer/ownership.js';

/** A failover is worth knowing about when reading a capture, but it is not a fault. */
export default defineRule({
  id: 'vip-owner-change',
  kind: 'address',
  defaultSeverity: 'info',
  meta: {
    summary: 'reports when another director MAC takes over the VIP (failover)',
    rationale:
      'keepalived announces a takeover with gratuitous ARP; clients switch to the new MAC at once. Knowing when it happened explains connections reset or stalled around that time.',
    remediation: ['Nothing to fix if the failover was expected; otherwise read keepalived\'s log on both directors around the takeover: journalctl -u keepalived --since @<seconds> --until @<seconds>'],
    observability: 'needs the gratuitous ARP (broadcast): any vantage point on the segment',
  },
  messages: {
    changed: 'VIP {ip} moved from {from} to {to} ({kind}, frame {frame})',
  },
  create(context) {
    return {
      addresses(addresses) {
        for (const address of addresses) {
          if (!address.isVip) continue;
          const own = analyseOwnership(address.sequence, (mac) => context.analysis.isDirectorMac(mac));
          for (const ch of own.changes) {
            if (context.analysis.isRealServerMac(ch.to)) continue;
            context.report({
              messageId: 'changed',
              data: {
                ip: address.ip,
                from: ch.from,
                to: ch.to,
                kind: ch.event.kind === 'arp-gratuitous' ? 'gratuitous ARP' : ch.event.kind,
                frame: ch.event.frame.frame,
                time: formatIsoTime(ch.event.time),
              },
              frames: [ch.event.frame],
              mac: ch.to,
              remediation: [ch.from, ch.to].map((mac) => {
                const t = Math.floor(ch.event.time);
                return {
                  id: 'read-keepalived-log',
                  host: context.analysis.host(mac, address.family, { unknownAs: 'director' }),
                  commands: [`journalctl -u keepalived --since @${t - 60} --until @${t + 60}`],
                  why: `${address.ip} moved from ${ch.from} to ${ch.to} at ${formatIsoTime(ch.event.time)}: nothing to fix if the failover was expected; its log says why it happened`,
                };
              }),
            });
          }
        }
      },
    };
  },
});
