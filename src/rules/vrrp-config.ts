import { defineRule } from './define.js';
import type { FrameRef, Remediation, Severity } from '../result/result.js';
import { keepalivedConf, vrrpSender } from './fixes.js';
import type { VrrpRunView } from '../result/views.js';
import type { VrrpInstance } from '../topology/topology.js';

const AUTH_CODE: Record<VrrpInstance['authType'], number> = { none: 0, PASS: 1, AH: 2 };

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function label(i: VrrpInstance): string {
  return `vrrp_instance ${i.name} (${i.where})`;
}

function sender(r: VrrpRunView): string {
  return r.senderMac !== undefined ? `${r.senderMac} (${r.senderIp})` : r.senderIp;
}

/** What two instances of different keepalived.conf files for one virtual router disagree on: the keyword, and the two values. */
function differences(a: VrrpInstance, b: VrrpInstance): [string, string][] {
  const d: [string, string][] = [];
  if (a.vrid !== b.vrid) d.push(['virtual_router_id', `${a.vrid} and ${b.vrid}`]);
  if (a.version !== b.version) d.push(['version', `${a.version} and ${b.version}`]);
  if (a.advertIntervalCentis !== b.advertIntervalCentis) d.push(['advert_int', `${a.advertIntervalCentis / 100} and ${b.advertIntervalCentis / 100}`]);
  if (!sameSet(a.vips, b.vips)) d.push(['virtual_ipaddress', `${a.vips.join(', ')} and ${b.vips.join(', ')}`]);
  if (a.authType !== b.authType) d.push(['authentication', `${a.authType} and ${b.authType}`]);
  if ((a.unicastPeers.length > 0) !== (b.unicastPeers.length > 0)) d.push(['unicast_peer', 'on one side only']);
  return d;
}

type Report = (
  run: VrrpRunView,
  messageId: 'priority',
  instance: VrrpInstance,
  wire: number,
  configured: string,
  fix: string,
  severity: Severity,
) => void;

function allows(i: VrrpInstance, priority: number): boolean {
  return i.priorityRange === null || (priority >= i.priorityRange[0] && priority <= i.priorityRange[1]);
}

/**
 * A priority belongs to one director's instance, and the wire does not say whose: it is checked
 * only where every sender of a VRID can have an instance of its own (one keepalived.conf per
 * director given), by matching each sender to an instance that allows all its priorities (and
 * names its address, if the instance sets one). A sender left unmatched advertises a priority
 * no file given allows it.
 */
function checkPriorities(runs: readonly VrrpRunView[], instances: readonly VrrpInstance[], report: Report): void {
  const groups = new Map<string, VrrpRunView[]>();
  for (const r of runs) {
    if (r.priority === 0) continue;
    const key = `${r.senderIp.includes(':') ? 'ipv6' : 'ipv4'}/${r.vrid}`;
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = []));
    g.push(r);
  }
  for (const [key, group] of groups) {
    const [family, vrid] = key.split('/');
    const insts = instances.filter((i) => i.family === family && String(i.vrid) === vrid);
    const senders = new Map<string, VrrpRunView[]>();
    for (const r of group) {
      const who = r.senderMac ?? r.senderIp;
      senders.set(who, [...(senders.get(who) ?? []), r]);
    }
    if (insts.length === 0 || senders.size > insts.length) continue;
    const list = [...senders.values()];
    const fits = (s: VrrpRunView[], i: VrrpInstance): boolean => {
      const ip = s[0]!.senderIp;
      if (i.sourceIp !== undefined && i.sourceIp !== ip) return false;
      if (insts.some((o) => o !== i && o.sourceIp === ip)) return false;
      return s.every((r) => allows(i, r.priority));
    };
    const owner = new Array<number>(insts.length).fill(-1);
    const match = (si: number, seen: boolean[]): boolean => {
      for (let ii = 0; ii < insts.length; ii++) {
        if (seen[ii] || !fits(list[si]!, insts[ii]!)) continue;
        seen[ii] = true;
        if (owner[ii]! < 0 || match(owner[ii]!, seen)) {
          owner[ii] = si;
          return true;
        }
      }
      return false;
    };
    list.forEach((s, si) => {
      if (match(si, new Array<boolean>(insts.length).fill(false))) return;
      const run = s.find((r) => !insts.some((i) => allows(i, r.priority))) ?? s[0]!;
      const ranges = insts
        .map((i) => `${label(i)}: priority ${i.priority}${i.priorityRange === null ? ', any with its track_file' : i.priorityRange[0] === i.priorityRange[1] ? '' : `, ${i.priorityRange[0]}-${i.priorityRange[1]} with tracking`}`)
        .join('; ');
      report(run, 'priority', insts[0]!, run.priority, ranges, "the priority in that director's keepalived.conf (or its tracking weights)", 'warning');
    });
  }
}

/**
 * The adverts on the wire against the vrrp_instance blocks of the keepalived.conf files given:
 * the VRID, addresses, interval, version and authentication a director advertises must be its
 * configuration's, or its peer drops them (a split brain), and the priority one tracking allows.
 */
export default defineRule({
  id: 'vrrp-config',
  kind: 'vrrp',
  defaultSeverity: 'error',
  meta: {
    summary: "VRRP adverts say what the keepalived.conf files configure: VRID, addresses, interval, version, authentication, priority",
    rationale:
      "keepalived drops an advert whose VRID it has no instance for, whose addresses are not its virtual_ipaddress, or (VRRPv2) whose interval is not its advert_int: the BACKUP then never hears the MASTER and takes the VIP too. A wrong virtual_router_id is the classic cause of split brain, and adverts that disagree with the config in hand also mean the director runs another configuration than the one being checked. A priority outside what the instance's priority and tracking weights allow says the same.",
    remediation: [
      'Make {instance} and the director that sent frame {frame} agree: {fix}',
      'Then on that director: keepalived --config-test && systemctl reload keepalived',
    ],
    observability: 'needs the adverts (multicast reaches every host on the segment) and the directors\' keepalived.conf (--keepalived, once per director)',
  },
  messages: {
    vrid: '{sender} advertises {vip} with VRID {wire} (frame {frame}), but {instance} gives {vip} virtual_router_id {configured}',
    addresses: '{sender} advertises VRID {vrid} with {wire} (frame {frame}), but {instance} has virtual_ipaddress {configured}: keepalived drops adverts whose addresses are not its own',
    interval: '{sender} advertises VRID {vrid} every {wire} s (frame {frame}), but {instance} has advert_int {configured}',
    version: '{sender} advertises VRID {vrid} with VRRPv{wire} (frame {frame}), but {instance} speaks VRRPv{configured}',
    auth: '{sender} advertises VRID {vrid} with auth type {wire} (frame {frame}), but {instance} has authentication {configured}',
    priority: '{sender} advertises VRID {vrid} with priority {wire} (frame {frame}), which none of the keepalived.conf files given allows it ({configured})',
    configs: '{instance} and {other} are one virtual router ({vip}) but differ: {differences}{seen}',
  },
  create(context) {
    return {
      vrrp(view) {
        const instances = view.instances;
        if (instances.length === 0) return;
        const done = new Set<string>();
        const senderHost = (r: VrrpRunView): ReturnType<typeof vrrpSender> => vrrpSender((mac, family, options) => context.analysis.host(mac, family, options), r.senderMac, r.senderIp);
        const report = (
          run: VrrpRunView,
          messageId: 'vrid' | 'addresses' | 'interval' | 'version' | 'auth' | 'priority',
          instance: VrrpInstance,
          wire: string | number,
          configured: string | number,
          fix: string,
          severity?: Severity,
        ): void => {
          const key = `${run.senderMac ?? run.senderIp}|${messageId}|${run.vrid}`;
          if (done.has(key)) return;
          done.add(key);
          context.report({
            messageId,
            data: {
              sender: sender(run),
              vrid: run.vrid,
              vip: instance.vips.find((v) => run.addresses.includes(v)) ?? instance.vips[0] ?? '?',
              frame: run.first.frame,
              instance: label(instance),
              wire,
              configured,
              fix,
            },
            frames: [run.first],
            ...(run.senderMac !== undefined ? { mac: run.senderMac } : {}),
            ...(severity !== undefined ? { severity } : {}),
            remediation: [
              keepalivedConf(
                `keepalived-${messageId}`,
                senderHost(run),
                `${fix}, as ${label(instance)} says`,
                `its adverts (${context.analysis.frameLabel(run.first)}) are not what the keepalived.conf given configures: it runs another configuration, and its peer drops what it does not expect`,
              ),
            ],
            certain: true,
          });
        };
        for (const run of view.runs) {
          const family = run.senderIp.includes(':') ? 'ipv6' : 'ipv4';
          const same = instances.filter((i) => i.family === family && i.vrid === run.vrid);
          if (same.length === 0) {
            // Another VRID on the segment is someone else's virtual router, unless it carries our VIP.
            const owner = instances.find((i) => i.family === family && i.vips.some((v) => run.addresses.includes(v)));
            if (owner !== undefined) report(run, 'vrid', owner, run.vrid, owner.vrid, `virtual_router_id ${owner.vrid} on both directors`);
            continue;
          }
          const inst = same.find((i) => sameSet(i.vips, run.addresses)) ?? same[0]!;
          if (!sameSet(inst.vips, run.addresses)) report(run, 'addresses', inst, run.addresses.join(', ') || 'no address', inst.vips.join(', '), 'the same virtual_ipaddress list on both directors');
          if (inst.advertIntervalCentis !== run.intervalCentis) report(run, 'interval', inst, run.intervalCentis / 100, inst.advertIntervalCentis / 100, `advert_int ${inst.advertIntervalCentis / 100} on both directors`);
          if (inst.version !== run.version) report(run, 'version', inst, run.version, inst.version, `the same VRRP version on both directors (vrrp_version ${inst.version})`);
          else if (run.version === 2 && AUTH_CODE[inst.authType] !== run.authType) report(run, 'auth', inst, run.authType, inst.authType, 'the same authentication block on both directors');
        }
        checkPriorities(view.runs, instances, report);
        // Two directors' files that describe one virtual router differently.
        for (let i = 0; i < instances.length; i++) {
          for (let j = 0; j < i; j++) {
            const a = instances[j]!;
            const b = instances[i]!;
            if (a.config === b.config || a.family !== b.family) continue;
            const shared = a.vips.filter((v) => b.vips.includes(v));
            if (a.vrid !== b.vrid && shared.length === 0) continue;
            const diffs = differences(a, b);
            if (diffs.length === 0) continue;
            // One advert of each file's director: its unicast_src_ip's when it names one, else the
            // first of a sender not cited yet (one VRID for both would otherwise cite one advert twice).
            const frames: FrameRef[] = [];
            const cited: string[] = [];
            const citedRuns: VrrpRunView[] = [];
            for (const inst of [a, b]) {
              const runs = view.runs.filter((r) => r.vrid === inst.vrid && r.addresses.some((x) => inst.vips.includes(x)));
              const run =
                runs.find((r) => inst.sourceIp !== undefined && r.senderIp === inst.sourceIp) ??
                runs.find((r) => !cited.includes(sender(r))) ??
                runs[0];
              if (run === undefined) continue;
              cited.push(sender(run));
              citedRuns.push(run);
              frames.push(run.first);
            }
            // The second file changes to match the first (which is right the wire cannot say); its
            // director is the one whose adverts were cited for it.
            const changes = `${diffs.map(([k]) => k).join(', ')} as in ${label(a)}`;
            const remediation: Remediation[] = [];
            const bRun = citedRuns.length === 2 ? citedRuns[1] : undefined;
            const why = `its keepalived.conf (${b.where}) and ${a.where} describe one virtual router (${(shared.length > 0 ? shared : a.vips).join(', ')}) differently (${diffs.map(([k, v]) => `${k} ${v}`).join('; ')}): each drops the other's adverts, and both can become MASTER`;
            if (bRun !== undefined) remediation.push(keepalivedConf('keepalived-match-peer', senderHost(bRun), `in ${label(b)}, the same ${changes}`, why));
            else {
              const on = context.analysis.directorHosts(a.family === 'ipv6' ? 6 : 4)[0];
              if (on !== undefined) remediation.push({ id: 'keepalived-match-peer', host: on, commands: [], manual: `on the director whose keepalived.conf is ${b.config}: in ${label(b)}, the same ${changes}; then keepalived --config-test && systemctl reload keepalived`, why });
            }
            context.report({
              messageId: 'configs',
              data: {
                instance: label(a),
                other: label(b),
                vip: (shared.length > 0 ? shared : a.vips).join(', '),
                differences: diffs.map(([k, v]) => `${k} ${v}`).join('; '),
                seen: frames.length > 0 ? ` (on the wire: frame${frames.length > 1 ? 's' : ''} ${frames.map((f) => f.frame).join(' and ')})` : '',
                frame: frames[0]?.frame ?? '-',
                fix: `the same ${diffs.map(([k]) => k).join(', ')} in both files`,
              },
              frames,
              remediation,
              certain: true,
            });
          }
        }
      },
    };
  },
});
