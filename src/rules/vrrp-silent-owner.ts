import { defineRule } from './define.js';
import type { Remediation } from '../result/result.js';
import { dropVip } from './fixes.js';
import { masterDownSeconds, type ClaimEvent, type VrrpRunView } from '../result/views.js';

/** A director's claim may come this long before its first advert as MASTER (keepalived adds the VIP, then advertises). */
const BEFORE_FIRST_ADVERT = 1;

function covers(r: VrrpRunView, t: number): boolean {
  return r.priority > 0 && r.firstTime - BEFORE_FIRST_ADVERT <= t && t <= r.lastTime + masterDownSeconds(r.intervalCentis);
}

function name(r: VrrpRunView): string {
  return r.senderMac !== undefined ? `${r.senderMac} (${r.senderIp})` : r.senderIp;
}

/**
 * A director that answers ARP (or ND) for a VIP without advertising it in VRRP while another
 * does: the VIP left behind when keepalived died, or added by hand next to keepalived.
 */
export default defineRule({
  id: 'vrrp-silent-owner',
  kind: 'vrrp',
  defaultSeverity: 'error',
  meta: {
    summary: 'a director that answers for a VIP also advertises it in VRRP; none holds it silently while another is MASTER',
    rationale:
      'keepalived adds the VIP when it becomes MASTER and removes it when it stops. When keepalived dies without cleaning up (SIGKILL, a crash, an OOM kill) or the VIP is also configured outside keepalived, the director keeps the VIP and keeps answering ARP for it while the BACKUP, hearing no adverts, has taken over: clients that ask get two answers and split between the directors, and the silent one serves them with an IPVS table nothing maintains.',
    remediation: [
      'On {mac}: remove the VIP (ip addr flush to {ip}/32, from whichever interface carries it) and start keepalived there again (systemctl restart keepalived) so that VRRP decides who holds it',
      'Find why keepalived stopped without a priority-0 advert (journalctl -u keepalived, dmesg for an OOM kill) and keep {ip} out of static network configuration',
    ],
    observability: 'needs the claim (an ARP reply reaches the asker: a mirror port, or the asking host) and both directors\' adverts (multicast reaches every host on the segment)',
  },
  messages: {
    silent:
      '{mac} answers for {ip} ({count} claim{s}, first at frame {frame}) while {rival} is VRRP MASTER for it (VRID {vrid}) and {mac} sends no advert: {last}',
  },
  create(context) {
    const fix = (mac: string, vip: string, family: 4 | 6, rival: string, frame: string, iface: string | undefined): Remediation[] => {
      const host = context.analysis.host(mac, family, { unknownAs: 'director' });
      return [
        dropVip(host, vip, `it answers for ${vip} (${frame}${iface !== undefined ? `, on ${iface} as keepalived.conf puts it there` : ''}) without advertising it in VRRP while ${rival} is MASTER: clients split between the two`),
        {
          id: 'keepalived-restart',
          host,
          commands: [],
          manual: `start keepalived again (systemctl restart keepalived) so that VRRP decides who holds ${vip}, and find why it stopped without a priority-0 advert (journalctl -u keepalived; dmesg for an OOM kill); keep ${vip} out of the static network configuration`,
          why: 'keepalived adds and removes the VIP; a VIP it does not manage stays after it stops',
        },
      ];
    };
    return {
      vrrp(view) {
        if (view.runs.length === 0) return;
        for (const address of context.analysis.addresses) {
          const runs = view.runs.filter((r) => r.addresses.includes(address.ip));
          if (runs.length === 0) continue;
          const silent = new Map<string, { claims: ClaimEvent[]; rival: VrrpRunView }>();
          for (const e of address.sequence) {
            if (e.kind !== 'arp-reply' && e.kind !== 'arp-gratuitous' && e.kind !== 'na') continue;
            if (context.analysis.isRealServerMac(e.mac)) continue;
            if (runs.some((r) => r.senderMac === e.mac && covers(r, e.time))) continue;
            const rival = runs.find((r) => r.senderMac !== e.mac && r.firstTime <= e.time && covers(r, e.time));
            if (rival === undefined) continue;
            // A director: it advertised VRRP before, or the topology says so.
            const advertised = view.runs.some((r) => r.senderMac === e.mac && r.firstTime <= e.time);
            if (!advertised && !context.analysis.isDirectorMac(e.mac)) continue;
            let s = silent.get(e.mac);
            if (s === undefined) silent.set(e.mac, (s = { claims: [], rival }));
            s.claims.push(e);
          }
          for (const [mac, s] of silent) {
            const first = s.claims[0]!;
            const own = view.runs.filter((r) => r.senderMac === mac && r.priority > 0 && r.lastTime < first.time);
            const lastRun = own[own.length - 1];
            const resigned = view.runs.some((r) => r.senderMac === mac && r.priority === 0 && r.firstTime < first.time);
            const last =
              lastRun === undefined
                ? 'no advert from it in the capture'
                : `its last advert was frame ${lastRun.last.frame}, ${(first.time - lastRun.lastTime).toFixed(1)} s earlier${resigned ? ', after which it resigned (priority 0) yet kept the VIP' : ', with no priority-0 advert (keepalived killed, not stopped?)'}`;
            context.report({
              messageId: 'silent',
              data: {
                mac,
                ip: address.ip,
                count: s.claims.length,
                s: s.claims.length === 1 ? '' : 's',
                frame: first.frame.frame,
                rival: name(s.rival),
                vrid: s.rival.vrid,
                last,
              },
              frames: s.claims.map((c) => c.frame),
              mac,
              remediation: fix(mac, address.ip, address.family, name(s.rival), context.analysis.frameLabel(first.frame), view.instances.find((i) => i.vips.includes(address.ip))?.interface),
              ...(own.length > 0 ? { certain: true } : {}),
            });
          }
        }
      },
    };
  },
});
