/**
 * `--format html`: one self-contained page (inline CSS, inline SVG, one small inline script)
 * that opens from disk, a CI artifact or a mail attachment: no network, no external fonts, and a
 * Content-Security-Policy that forbids fetching anything, so a viewer cannot leak where it was
 * opened. Everything that grows with the capture is capped, so a 1M-frame capture still gives a
 * file of a few MB; the JSON output has everything. Verdicts are words and symbols, never colour
 * alone, and the page prints (the controls vanish, ladders do not split across pages).
 *
 * Without script (mail clients) the page still reads: only filtering, sorting and the copy
 * buttons need it; showing the passing flows is a CSS checkbox.
 */
import { createHash } from 'node:crypto';
import type { CheckResult, Finding, FlowReport, FlowVerdict, FrameRef, RealServerRef, Severity, TimelineEvent, Verdict } from '../result/result.js';
import { rules as allRules } from '../rules/index.js';
import { ladderFlows, ladderKey, nanosBetween, MAX_LADDERS, type FlowLadder, type LadderData, type LadderFrame } from './ladder.js';
import { endpoint, frameText, HEALTH_HEAD, healthCells, millisText, percentText, plural } from './text.js';
import { fixBlocks } from '../result/hosts.js';
import { printable } from './printable.js';

export interface HtmlOptions {
  /** Frames of the failing flows (collectLadders); without them the ladders say how to get them. */
  ladders?: LadderData;
}

/** Non-passing flow rows in the table; the rest are counted (the JSON output lists all). */
const MAX_ROWS = 1000;
/** Passing flow rows behind "show passing flows". */
const MAX_PASS_ROWS = 1000;
/** Frames drawn per ladder, whatever the LadderData holds. */
const MAX_LADDER_FRAMES = 60;
const MAX_ADDRESS_FINDINGS = 100;
const MAX_TIMELINE_ROWS = 200;
const MAX_TIMELINE_MARKS = 300;
const MAX_BARS = 40;
const MAX_TOPOLOGY_RS = 12;
const MAX_FINDINGS_PER_FLOW = 8;
/** Causes shown, and per cause the hosts and commands of its fix (the JSON has them all). */
const MAX_CAUSES = 50;
const MAX_FIX_HOSTS = 30;
const MAX_FIX_COMMANDS = 30;

const VERDICT_SYMBOL: Record<FlowVerdict, string> = { pass: '✓', fail: '✗', incomplete: '?' };
const RESULT_WORD: Record<Verdict, string> = { pass: '✓ PASS', fail: '✗ FAIL', 'no-traffic': '! NO TRAFFIC' };
const SEVERITY_WORD: Record<Severity, string> = { error: '✗ error', warning: '! warning', info: 'i info' };
const EVENT_WORD: Record<TimelineEvent['kind'], string> = {
  claim: '● claim',
  'owner-change': '⇄ owner change',
  conflict: '✗ conflict',
  'bypass-start': '▼ bypass start',
  garp: '📣 gratuitous ARP',
  'vrrp-adverts': '◇ VRRP MASTER',
  'vrrp-master': '◆ VRRP takeover',
  'vrrp-prio': '↕ VRRP priority',
  'vrrp-change': '≠ VRRP change',
  'vrrp-resign': '⏏ VRRP resign',
  'vrrp-silent': '… VRRP silent',
};

export function esc(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Trims the decimals of SVG coordinates: they are most of a ladder's bytes. */
function n(x: number): string {
  return String(Math.round(x * 10) / 10);
}

interface Roles {
  directorMacs: Map<string, string>;
  rsMacs: Map<string, string>;
  rsIps: Map<string, string>;
  directorIps: Map<string, string>;
}

function roles(result: CheckResult): Roles {
  const r: Roles = { directorMacs: new Map(), rsMacs: new Map(), rsIps: new Map(), directorIps: new Map() };
  for (const d of result.topology.directors) {
    r.directorMacs.set(d.mac, `d:${d.mac}`);
    if (d.ip) r.directorIps.set(d.ip, `d:${d.mac}`);
  }
  result.topology.realServers.forEach((s, i) => {
    const id = `r:${s.mac ?? s.ip ?? i}`;
    if (s.mac) r.rsMacs.set(s.mac, id);
    if (s.ip) r.rsIps.set(s.ip, id);
  });
  return r;
}

function roleOfMac(ro: Roles, mac: string): string {
  if (ro.directorMacs.has(mac)) return 'director';
  if (ro.rsMacs.has(mac)) return 'real server';
  return 'unknown role';
}

function rsText(r: RealServerRef): string {
  if (r.ip && r.mac) return `${r.ip} (${r.mac})`;
  return r.ip ?? r.mac ?? '?';
}

function findingsOf(result: CheckResult, f: FlowReport): Finding[] {
  return f.findings.map((i) => result.findings[i]).filter((x): x is Finding => x !== undefined);
}

export function formatHtml(raw: CheckResult, options: HtmlOptions = {}): string {
  const result = printable(raw);
  const ro = roles(result);
  const ladderIndex = new Map<FlowReport, number>();
  ladderFlows(result).forEach((f, i) => ladderIndex.set(f, i));
  const title = `lvs-pcap: ${RESULT_WORD[result.verdict]} — ${result.captures.map((c) => c.path.split('/').pop() ?? c.path).join(', ')}`;
  const body = [
    header(result),
    nav(result),
    causesSection(result),
    topologySection(result, ro),
    flowTable(result, ladderIndex),
    laddersSection(result, ro, options.ladders),
    addressFindingsSection(result),
    timelineSection(result, ro),
    balanceSection(result),
    rulesSection(result),
    `<footer>lvs-pcap report · schema ${result.schemaVersion} · the JSON output (--format json) holds every flow and finding</footer>`,
  ].join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body class="verdict-${esc(result.verdict)}">
${ARROW_DEFS}
${body}
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function header(result: CheckResult): string {
  const s = result.summary;
  const v = s.flowsByVerdict;
  const sev = s.findingsBySeverity;
  const caps = result.captures
    .map((c) => {
      const issues = c.issues.map((i) => `<li class="${i.severity}">${i.severity === 'error' ? '✗ error' : '! warning'}: ${esc(i.message)} (byte ${i.offset})</li>`).join('');
      return `<li><code>${esc(c.path)}</code>: ${esc(c.format)}, ${esc(plural(c.frames, 'frame'))}, vantage point: <b>${esc(c.vantagePoint)}</b>${issues ? `<ul>${issues}</ul>` : ''}</li>`;
    })
    .join('');
  const notes: string[] = [];
  if (s.unlistedFlows > 0) notes.push(`${plural(s.unlistedFlows, 'more flow')} judged and counted but not kept for listing (large capture)`);
  if (s.evictedFlows > 0) notes.push(`the flow table was full: ${plural(s.evictedFlows, 'flow')} judged before their end (--max-flows)`);
  const weirds = Object.values(s.weirds).reduce((a, b) => a + b, 0);
  if (weirds > 0) notes.push(`${plural(weirds, 'frame')} malformed or truncated`);
  return `<header>
<h1><span class="badge ${esc(result.verdict)}" id="verdict">${esc(RESULT_WORD[result.verdict])}</span> lvs-pcap check</h1>
<p class="counts"><b>${esc(plural(s.flows, 'flow'))}</b>: <span class="v-pass">${v.pass} ${VERDICT_SYMBOL.pass} pass</span>, <span class="v-fail">${v.fail} ${VERDICT_SYMBOL.fail} fail</span>, <span class="v-incomplete">${v.incomplete} ${VERDICT_SYMBOL.incomplete} incomplete</span> · <b>${esc(plural(sev.error, 'error'))}</b>, ${esc(plural(sev.warning, 'warning'))}, ${sev.info} info · ${esc(plural(s.frames, 'frame'))}</p>
<ul class="captures">${caps}</ul>
${notes.map((x) => `<p class="note">note: ${esc(x)}</p>`).join('')}
</header>`;
}

function nav(result: CheckResult): string {
  const links = [
    ...(result.causes.length > 0 ? [['causes', `Causes and fixes (${result.causes.length})`]] : []),
    ['topology', 'Topology'],
    ['flows', 'Flows'],
    ['ladders', `Ladders (${Math.min(result.summary.flowsByVerdict.fail, MAX_LADDERS)})`],
    ...(result.findings.some((f) => f.flow === undefined) ? [['address-findings', 'Address findings']] : []),
    ['timeline', 'VIP timeline'],
    ['balance', 'Balance'],
    ['rules', 'Rules'],
  ];
  return `<nav>${links.map(([id, label]) => `<a href="#${id}">${esc(label!)}</a>`).join(' · ')}</nav>`;
}

// ---- topology -------------------------------------------------------------------------------

/** The VIP owner at the end of the capture, per the timeline (claims and owner changes). */
function finalOwners(result: CheckResult): Map<string, string> {
  const owner = new Map<string, string>();
  for (const e of result.timeline) {
    if (e.kind === 'owner-change' || (e.kind === 'claim' && !owner.has(e.ip))) owner.set(e.ip, e.mac);
  }
  return owner;
}

function topologySection(result: CheckResult, ro: Roles): string {
  const t = result.topology;
  const owners = new Set(finalOwners(result).values());
  const everOwned = new Set(result.timeline.filter((e) => e.kind === 'claim' || e.kind === 'owner-change').map((e) => e.mac));
  const conflicting = new Set(result.timeline.filter((e) => e.kind === 'conflict').map((e) => e.mac));
  const vipList = [...new Set(t.vips.map((v) => `${v.ip}${v.port !== undefined && v.port >= 0 ? `:${v.port}` : ''}/${v.proto}`))];
  const vipText = vipList.length === 0 ? 'VIP unknown' : `VIP ${vipList.slice(0, 3).join(', ')}${vipList.length > 3 ? ` +${vipList.length - 3} more` : ''}`;
  const rs = t.realServers.slice(0, MAX_TOPOLOGY_RS);
  const directors = t.directors.length > 0 ? t.directors.slice(0, 4) : [{ mac: 'unknown', source: 'inferred' as const, ip: undefined }];
  const boxH = 58;
  const gap = 12;
  const rows = Math.max(rs.length + (t.realServers.length > rs.length ? 1 : 0), directors.length, 1);
  const top = 56;
  const bus = top + rows * (boxH + gap) + 6;
  const H = bus + 12;
  const W = 820;
  const cx = 16;
  const dx = 300;
  const rx = 600;
  const bw = 200;
  const mid = (i: number, count: number): number => top + ((rows - count) * (boxH + gap)) / 2 + i * (boxH + gap) + boxH / 2;
  const out: string[] = [];
  out.push(`<svg class="topology" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="topology: clients, director(s) with the VIP, real servers">`);
  out.push(`<text x="${cx}" y="20" class="colhead">clients / router</text><text x="${dx}" y="20" class="colhead">director${directors.length > 1 ? 's' : ''}</text><text x="${dx}" y="38" class="vip">${esc(vipText)}</text><text x="${rx}" y="20" class="colhead">real servers</text>`);
  const cy = mid(0, 1);
  out.push(`<g class="node client"><rect x="${cx}" y="${n(cy - boxH / 2)}" width="${bw - 20}" height="${boxH}" rx="6"/><text x="${cx + 10}" y="${n(cy - 6)}">${esc(plural(t.clients, 'client'))}</text><text x="${cx + 10}" y="${n(cy + 12)}" class="small">(or their router)</text></g>`);
  directors.forEach((d, i) => {
    const y = mid(i, directors.length);
    const owns = owners.has(d.mac);
    const mark = owns ? '★ owns the VIP' : everOwned.has(d.mac) ? 'owned the VIP earlier' : '';
    out.push(`<path class="link" d="M${cx + bw - 20} ${n(cy)} L${dx} ${n(y)}" marker-end="url(#ah)"/>`);
    out.push(
      `<g class="node director${owns ? ' owner' : ''}"><title>director ${esc(d.mac)}${d.ip ? ` (${esc(d.ip)})` : ''} [${esc(d.source)}]</title><rect x="${dx}" y="${n(y - boxH / 2)}" width="${bw}" height="${boxH}" rx="6"/>` +
        `<text x="${dx + 10}" y="${n(y - 12)}">director ${esc(d.ip ?? '')}</text><text x="${dx + 10}" y="${n(y + 4)}" class="mono">${esc(d.mac)}</text>` +
        `<text x="${dx + 10}" y="${n(y + 20)}" class="small">${esc(mark)}</text></g>`,
    );
  });
  rs.forEach((r, i) => {
    const y = mid(i, rs.length + (t.realServers.length > rs.length ? 1 : 0));
    const bad = r.mac !== undefined && (conflicting.has(r.mac) || owners.has(r.mac));
    directors.forEach((_, k) => {
      out.push(`<path class="link" d="M${dx + bw} ${n(mid(k, directors.length))} L${rx} ${n(y)}" marker-end="url(#ah)"/>`);
    });
    // Replies run on a bus below every box, so they never cross a director.
    out.push(`<path class="link reply" d="M${rx + bw} ${n(y)} H${rx + bw + 14} V${n(bus)}"/>`);
    out.push(
      `<g class="node rs${bad ? ' bad' : ''}"><title>real server ${esc(rsText(r))}: ${esc(plural(r.flows, 'flow'))} [${esc(r.source)}]</title><rect x="${rx}" y="${n(y - boxH / 2)}" width="${bw}" height="${boxH}" rx="6"/>` +
        `<text x="${rx + 10}" y="${n(y - 12)}">RS ${esc(r.ip ?? '?')} · ${esc(plural(r.flows, 'flow'))}</text><text x="${rx + 10}" y="${n(y + 4)}" class="mono">${esc(r.mac ?? 'MAC unknown')}</text>` +
        `<text x="${rx + 10}" y="${n(y + 20)}" class="small">${bad ? '✗ claimed the VIP' : ''}</text></g>`,
    );
  });
  if (rs.length > 0) {
    out.push(
      `<path class="link reply" d="M${rx + bw + 14} ${n(bus)} H${cx + (bw - 20) / 2} V${n(cy + boxH / 2)}" marker-end="url(#ah)"/><text x="${dx + bw / 2}" y="${n(bus - 4)}" class="small" text-anchor="middle">replies, straight to the clients</text>`,
    );
  }
  if (t.realServers.length > rs.length) {
    const y = mid(rs.length, rs.length + 1);
    out.push(`<text x="${rx + 10}" y="${n(y)}">… ${t.realServers.length - rs.length} more real servers</text>`);
  }
  if (t.realServers.length === 0) out.push(`<text x="${rx}" y="${n(mid(0, 1))}">none seen</text>`);
  out.push('</svg>');
  const notes = t.notes.map((x) => `<p class="note">note: ${esc(x)}</p>`).join('');
  return `<section id="topology"><h2>Topology</h2>
<p>Confidence: <b>${esc(t.confidence)}</b>. Solid arrows: client packets and the director's copies; dashed: replies straight from the real servers to the clients (the DR design; the ladders below show what the frames did). ${ro.directorMacs.size === 0 ? 'No director MAC is known.' : ''}</p>
${out.join('')}
${notes}</section>`;
}

// ---- flow table -----------------------------------------------------------------------------

function flowTable(result: CheckResult, ladderIndex: Map<FlowReport, number>): string {
  const v = result.summary.flowsByVerdict;
  const failing = result.flows.filter((f) => f.verdict !== 'pass');
  const passing = result.flows.filter((f) => f.verdict === 'pass');
  const shown = failing.slice(0, MAX_ROWS);
  const shownPass = passing.slice(0, MAX_PASS_ROWS);
  const rulesInTable = new Set<string>();
  const row = (f: FlowReport): string => {
    const fs = findingsOf(result, f);
    const ids = [...new Set(fs.map((x) => x.rule))];
    for (const id of ids) rulesInTable.add(id);
    const li = ladderIndex.get(f);
    const client = li !== undefined ? `<a href="#ladder-${li}">${esc(endpoint(f.client))}</a>` : esc(endpoint(f.client));
    const rs = f.realServers.map((r) => esc(rsText(r))).join('<br>') || '-';
    const p = f.packets;
    const packets = `${p.toDirector + p.bypass} ${p.forwarded} ${p.replies}${p.bypass > 0 ? ` <span class="small">(${p.bypass} bypass)</span>` : ''}`;
    const findings = fs
      .slice(0, MAX_FINDINGS_PER_FLOW)
      .map((x) => `<a href="#rule-${esc(x.rule)}">${esc(x.rule)}</a>: ${x.frames[0] ? esc(frameText(result, x.frames[0])) : '-'}`)
      .concat(fs.length > MAX_FINDINGS_PER_FLOW ? [`+${fs.length - MAX_FINDINGS_PER_FLOW} more`] : [])
      .concat(f.verdict === 'incomplete' && f.incompleteReason ? [`<span class="small">${esc(f.incompleteReason)}</span>`] : [])
      .concat(f.note ? [`<span class="small">${esc(f.note)}</span>`] : [])
      .join('<br>');
    const order = f.verdict === 'fail' ? 0 : f.verdict === 'incomplete' ? 1 : 2;
    return (
      `<tr class="flow ${f.verdict}" data-verdict="${f.verdict}" data-rules="${esc(ids.join(' '))}">` +
      `<td class="nw">${client}</td><td class="nw">${esc(endpoint(f.vip))}</td><td>${f.proto}</td><td class="nw">${rs}</td><td class="nw">${packets}</td>` +
      `<td>${esc(frameText(result, f.firstFrame))}</td><td class="nw v-${f.verdict}" data-sort="${order}">${VERDICT_SYMBOL[f.verdict]} ${f.verdict}</td><td>${findings}</td></tr>`
    );
  };
  const rows = shown.map(row).join('\n');
  const passRows = shownPass.map(row).join('\n');
  const extra: string[] = [];
  if (v.pass > 0) {
    extra.push(
      `<tr class="agg pass-agg"><td colspan="8">${VERDICT_SYMBOL.pass} ${esc(plural(v.pass, 'passing flow'))} not listed: tick “show passing flows” above${passing.length < v.pass || shownPass.length < passing.length ? ` (the first ${shownPass.length} can be shown here)` : ''}</td></tr>`,
    );
  }
  const notShown = failing.length - shown.length + Math.max(0, v.fail + v.incomplete - failing.length);
  if (notShown > 0) extra.push(`<tr class="agg"><td colspan="8">… ${esc(plural(notShown, 'more failing or incomplete flow'))} not listed here (--format json lists them)</td></tr>`);
  const ruleOptions = [...rulesInTable].sort().map((r) => `<option value="${esc(r)}">${esc(r)}</option>`).join('');
  const head = ['Client', 'VIP', 'Proto', 'Real server', 'Packets c>d d>rs rs>c', 'First frame', 'Verdict', 'Findings (rule: frame)']
    .map((h, i) => `<th scope="col"><button type="button" class="sort" data-col="${i}" title="sort">${esc(h)}</button></th>`)
    .join('');
  return `<section id="flows"><h2>Flows</h2>
<p>${esc(plural(result.summary.flows, 'flow'))}: ${v.pass} ${VERDICT_SYMBOL.pass} pass, ${v.fail} ${VERDICT_SYMBOL.fail} fail, ${v.incomplete} ${VERDICT_SYMBOL.incomplete} incomplete. Packets: client to director (including bypass), director to real server, replies to the client.</p>
<input type="checkbox" id="show-pass" class="toggle">
<div class="controls">
<label>Verdict <select id="f-verdict"><option value="all">all</option><option value="fail">✗ fail</option><option value="incomplete">? incomplete</option><option value="pass">✓ pass</option></select></label>
<label>Rule <select id="f-rule"><option value="all">all</option>${ruleOptions}</select></label>
<label for="show-pass" class="check">show passing flows (${shownPass.length})</label>
<span id="shown-count" aria-live="polite"></span>
</div>
<table id="flow-table"><thead><tr>${head}</tr></thead>
<tbody>
${rows}
${passRows}
</tbody>
<tbody class="aggs">${extra.join('')}</tbody></table>
${result.flows.length === 0 ? '<p>No flow to a VIP was seen.</p>' : ''}
</section>`;
}

// ---- ladders --------------------------------------------------------------------------------

interface Lane {
  id: string;
  label: string;
  sub: string;
}

function laneOf(ro: Roles, mac: string | undefined, ip: string): string {
  if (mac !== undefined) {
    const id = ro.directorMacs.get(mac) ?? ro.rsMacs.get(mac);
    if (id) return id;
    // A MAC we know nothing about is the client side (a client or the router in front of it).
    if (!ro.rsIps.has(ip) && !ro.directorIps.has(ip)) return 'c';
  }
  return ro.rsIps.get(ip) ?? ro.directorIps.get(ip) ?? 'c';
}

function lanesFor(result: CheckResult, ro: Roles, flow: FlowReport, frames: LadderFrame[]): Lane[] {
  const used = new Set<string>(['c']);
  for (const x of frames) {
    used.add(laneOf(ro, x.srcMac, x.srcIp));
    used.add(laneOf(ro, x.dstMac, x.dstIp));
  }
  const first = result.topology.directors[0];
  if (first) used.add(`d:${first.mac}`);
  for (const r of flow.realServers) {
    const id = (r.mac ? ro.rsMacs.get(r.mac) : undefined) ?? (r.ip ? ro.rsIps.get(r.ip) : undefined);
    if (id) used.add(id);
  }
  const lanes: Lane[] = [{ id: 'c', label: 'client / router', sub: flow.client.ip }];
  for (const d of result.topology.directors) {
    if (used.has(`d:${d.mac}`)) lanes.push({ id: `d:${d.mac}`, label: `director ${d.ip ?? ''}`, sub: d.mac });
  }
  result.topology.realServers.forEach((r, i) => {
    const id = `r:${r.mac ?? r.ip ?? i}`;
    if (used.has(id)) lanes.push({ id, label: `RS ${r.ip ?? '?'}`, sub: r.mac ?? '' });
  });
  return lanes;
}

function flagsLabel(x: LadderFrame, proto: string): string {
  if (x.tcpFlags !== undefined) return x.tcpFlags || '(no flags)';
  return `${proto.toUpperCase()}${x.tunnel ? ' tunnel' : ''} ${x.length} B`;
}

function frameTitle(result: CheckResult, x: LadderFrame, proto: string): string {
  const ref: FrameRef = { capture: x.capture, frame: x.frame };
  const mac = `${x.srcMac ?? '?'} → ${x.dstMac ?? '?'}`;
  const tunnel = x.tunnel ? ` (tunnel ${x.tunnel.srcIp} → ${x.tunnel.dstIp})` : '';
  const also = x.alsoIn && x.alsoIn.length > 0 ? `; also ${x.alsoIn.map((r) => frameText(result, r)).join(', ')}` : '';
  return `frame ${frameText(result, ref)}: ${mac}; ${x.srcIp}:${x.srcPort} → ${x.dstIp}:${x.dstPort}${tunnel}; ${flagsLabel(x, proto)}; ${x.length} bytes${also}`;
}

function offsetText(ns: number): string {
  return `+${(ns / 1e9).toFixed(6)}s`;
}

function ladderSvg(result: CheckResult, ro: Roles, flow: FlowReport, ladder: FlowLadder, bad: Map<string, number>): string {
  const frames = ladder.frames.slice(0, MAX_LADDER_FRAMES);
  // Keep the highlighted frames even past the drawing cap.
  for (const x of ladder.frames.slice(MAX_LADDER_FRAMES)) if (bad.has(`${x.capture}:${x.frame}`)) frames.push(x);
  const lanes = lanesFor(result, ro, flow, frames);
  const laneX = new Map<string, number>();
  const step = 170;
  const rowH = 24;
  const top = 50;

  // A director copy right after the client packet it copies is drawn on the same row, as the
  // continuation of that packet: that is what happened on the wire, and it halves the height.
  interface Row {
    parts: LadderFrame[];
  }
  const rows: Row[] = [];
  for (const x of frames) {
    const prev = rows[rows.length - 1];
    const p = prev?.parts[prev.parts.length - 1];
    const src = laneOf(ro, x.srcMac, x.srcIp);
    const dst = laneOf(ro, x.dstMac, x.dstIp);
    if (
      prev &&
      p &&
      prev.parts.length === 1 &&
      src.startsWith('d:') &&
      dst.startsWith('r:') &&
      laneOf(ro, p.dstMac, p.dstIp) === src &&
      laneOf(ro, p.srcMac, p.srcIp) === 'c' &&
      p.srcIp === x.srcIp &&
      p.srcPort === x.srcPort &&
      p.dstPort === x.dstPort &&
      Math.abs(nanosBetween(p.time, x.time)) < 1e9
    ) {
      prev.parts.push(x);
    } else {
      rows.push({ parts: [x] });
    }
  }
  const t0 = frames[0]?.time ?? flow.start;
  const single = result.captures.length <= 1;
  const labels = rows.map((row) => {
    const f0 = row.parts[0]!;
    const refs = row.parts
      .map((x, i) => (single || (i > 0 && x.capture === f0.capture) ? `#${x.frame}` : frameText(result, { capture: x.capture, frame: x.frame })))
      .join(' → ');
    return `${refs} ${offsetText(nanosBetween(t0, f0.time))}`;
  });
  // The label column grows with the longest label (file names when several captures were read).
  const left = Math.max(150, 16 + 6.7 * Math.max(0, ...labels.map((l) => l.length)));
  lanes.forEach((l, i) => laneX.set(l.id, left + 60 + i * step));
  const W = left + lanes.length * step + 40;
  const H = top + rows.length * rowH + 16;
  const out: string[] = [];
  out.push(`<svg class="ladder-svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="ladder diagram of ${esc(endpoint(flow.client))}">`);
  for (const l of lanes) {
    const x = laneX.get(l.id)!;
    out.push(
      `<text x="${x}" y="16" class="lane-head" text-anchor="middle">${esc(l.label)}</text><text x="${x}" y="30" class="lane-sub" text-anchor="middle">${esc(l.sub)}</text><line class="lane" x1="${x}" y1="38" x2="${x}" y2="${H - 6}"/>`,
    );
  }
  out.push(`<text x="6" y="30" class="lane-sub">frame · time</text>`);
  rows.forEach((row, ri) => {
    const y = top + ri * rowH + 12;
    const first = row.parts[0]!;
    const marks = row.parts.map((x) => bad.get(`${x.capture}:${x.frame}`)).filter((m): m is number => m !== undefined);
    const isBad = marks.length > 0;
    const label = labels[ri]!;
    out.push(`<g class="pkt${isBad ? ' bad' : ''}"${isBad ? ` data-bad="${marks.join(' ')}"` : ''}>`);
    out.push(`<text x="6" y="${n(y + 4)}" class="fno">${esc(label)}</text>`);
    row.parts.forEach((x, pi) => {
      const x1 = laneX.get(laneOf(ro, x.srcMac, x.srcIp)) ?? left;
      const x2 = laneX.get(laneOf(ro, x.dstMac, x.dstIp)) ?? left;
      const copy = pi > 0;
      const tip = `<title>${esc(frameTitle(result, x, flow.proto))}${copy ? ' (director copy)' : ''}</title>`;
      const marker = isBad ? 'url(#ahb)' : 'url(#ah)';
      if (x1 === x2) {
        out.push(`<g>${tip}<path d="M${x1} ${n(y - 5)} h30 v10 h-26" class="arrow" marker-end="${marker}"/><text x="${x1 + 36}" y="${n(y + 3)}" class="flags" text-anchor="start">${esc(flagsLabel(x, flow.proto))}</text></g>`);
        return;
      }
      const dir = x2 > x1 ? 1 : -1;
      out.push(
        `<g>${tip}<line x1="${x1}" y1="${n(y)}" x2="${n(x2 - dir * 3)}" y2="${n(y)}" class="arrow${copy ? ' copy' : ''}" marker-end="${marker}"/>` +
          `${copy ? `<circle cx="${x1}" cy="${n(y)}" r="3" class="joint"/>` : ''}` +
          `<text x="${n((x1 + x2) / 2)}" y="${n(y - 4)}" class="flags" text-anchor="middle">${esc(copy ? `copy · ${flagsLabel(x, flow.proto)}` : flagsLabel(x, flow.proto))}</text></g>`,
      );
    });
    if (isBad) {
      const xs = row.parts.flatMap((x) => [laneX.get(laneOf(ro, x.srcMac, x.srcIp)) ?? left, laneX.get(laneOf(ro, x.dstMac, x.dstIp)) ?? left]);
      out.push(`<text x="${n(Math.max(...xs) + 8)}" y="${n(y + 4)}" class="badmark" text-anchor="start">✗ ${marks.map((m) => `[${m}]`).join('')}</text>`);
    }
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('');
}

function flowFilter(flow: FlowReport): string {
  const ip = flow.client.ip.includes(':') ? 'ipv6.addr' : 'ip.addr';
  return `${ip} == ${flow.client.ip} && ${flow.proto}.port == ${flow.client.port}`;
}

function copyButton(text: string, label = 'Copy filter'): string {
  return `<button type="button" class="copy" data-copy="${esc(text)}">${esc(label)}</button>`;
}

/** A fix, host by host: each block pastes into a root shell on its host (Copy button). */
function fixHtml(remediation: Finding['remediation']): string {
  return fixBlocks(remediation, MAX_FIX_HOSTS, MAX_FIX_COMMANDS)
    .map((b) => {
      const text = b.lines.join('\n');
      return `<p class="fixhost">on <b>${esc(b.host)}</b>: ${copyButton(text, 'Copy')}</p><pre class="fix">${esc(text)}</pre>`;
    })
    .join('');
}

function findingBlock(result: CheckResult, f: Finding, mark: number | undefined): string {
  const frames = f.frames.slice(0, 8).map((r) => esc(frameText(result, r))).join(', ') + (f.frames.length > 8 ? ` (+${f.frames.length - 8} more)` : '');
  const cause = result.causes[f.cause];
  const fix = fixHtml(f.remediation);
  return `<div class="finding ${f.severity}"><p>${mark !== undefined ? `<b class="badmark">[${mark}]</b> ` : ''}<span class="sev">${esc(SEVERITY_WORD[f.severity])}</span> <a href="#rule-${esc(f.rule)}"><b>${esc(f.rule)}</b></a>: ${esc(f.message)}</p>
<p class="small">evidence frames: ${frames}</p>
${f.displayFilter ? `<p>Wireshark display filter: <code class="filter">${esc(f.displayFilter)}</code> ${copyButton(f.displayFilter)}</p>` : ''}
${cause ? `<p>Cause: <a href="#cause-${f.cause}">${esc(cause.headline)}</a></p>` : ''}
${fix ? `<p>Fix for this finding:</p>${fix}` : ''}</div>`;
}

// ---- causes ---------------------------------------------------------------------------------

function causesSection(result: CheckResult): string {
  if (result.causes.length === 0) return '';
  const out: string[] = [`<section id="causes"><h2>Causes and fixes</h2>`];
  result.causes.slice(0, MAX_CAUSES).forEach((c, i) => {
    const members = c.findings.map((k) => result.findings[k]).filter((f): f is Finding => f !== undefined);
    const counts = new Map<string, number>();
    for (const f of members) counts.set(f.rule, (counts.get(f.rule) ?? 0) + 1);
    const rules = [...counts].map(([rule, k]) => `<a href="#rule-${esc(rule)}">${esc(rule)}</a> ×${k}`).join(', ');
    out.push(`<article class="cause ${c.severity}" id="cause-${i}"><h3><span class="sev">${esc(SEVERITY_WORD[c.severity])}</span> ${esc(c.headline)}</h3>
<p class="small">explains ${esc(plural(members.length, 'finding'))}: ${rules}</p>
${c.remediation.length > 0 ? `<p><b>Fix</b>, host by host:</p>${fixHtml(c.remediation)}` : ''}</article>`);
  });
  if (result.causes.length > MAX_CAUSES) out.push(`<p class="note">${result.causes.length - MAX_CAUSES} more causes (--format json lists them)</p>`);
  out.push('</section>');
  return out.join('\n');
}

function laddersSection(result: CheckResult, ro: Roles, data: LadderData | undefined): string {
  const flows = ladderFlows(result);
  const failing = result.summary.flowsByVerdict.fail;
  const out: string[] = [`<section id="ladders"><h2>Failing flows, frame by frame</h2>`];
  if (flows.length === 0) {
    out.push('<p>No failing flow.</p></section>');
    return out.join('\n');
  }
  out.push(
    `<p>One lane per host, one arrow per frame (hover for MACs and addresses); the director's copy continues the client's packet on the same row. The frame that proves a finding is drawn in bold with <b class="badmark">✗ [n]</b>, explained below the ladder.</p>`,
  );
  if (!data) {
    out.push(`<p class="note">ladders need the capture file: they are drawn from a second pass over it (lvs-pcap check FILE --format html); the flows and findings are listed without them.</p>`);
  } else if (data.unavailable) {
    out.push(`<p class="note">note: ${esc(data.unavailable)}</p>`);
  }
  flows.forEach((f, i) => {
    const fs = findingsOf(result, f);
    const bad = new Map<string, number>();
    fs.forEach((x, k) => {
      const r = x.frames[0];
      const key = r ? `${r.capture}:${r.frame}` : '';
      if (r && !bad.has(key)) bad.set(key, k + 1);
    });
    const ladder = data?.flows[ladderKey(f)];
    const rules = [...new Set(fs.map((x) => x.rule))].join(', ');
    out.push(`<article class="ladder" id="ladder-${i}" data-verdict="${f.verdict}">`);
    out.push(
      `<h3><span class="v-fail">${VERDICT_SYMBOL.fail} fail</span> ${esc(endpoint(f.client))} → ${esc(endpoint(f.vip))}/${f.proto} <span class="small">${esc(rules)} · real server ${esc(f.realServers.map(rsText).join(', ') || 'none')}</span></h3>`,
    );
    out.push(`<p class="small">flow filter: <code class="filter">${esc(flowFilter(f))}</code> ${copyButton(flowFilter(f), 'Copy flow filter')}</p>`);
    if (ladder && ladder.frames.length > 0) {
      out.push(`<div class="scroll">${ladderSvg(result, ro, f, ladder, bad)}</div>`);
      const more = ladder.omitted + Math.max(0, ladder.frames.length - MAX_LADDER_FRAMES);
      if (more > 0) out.push(`<p class="small">… ${esc(plural(more, 'more frame'))} of this flow not drawn</p>`);
    } else if (data && !data.unavailable) {
      out.push(`<p class="note">no frame of this flow was found in the capture file(s) on the second pass</p>`);
    }
    fs.forEach((x, k) => out.push(findingBlock(result, x, bad.get(x.frames[0] ? `${x.frames[0].capture}:${x.frames[0].frame}` : '') === k + 1 ? k + 1 : undefined)));
    out.push('</article>');
  });
  if (failing > flows.length) out.push(`<p class="note">${esc(plural(failing - flows.length, 'more failing flow'))} without a ladder (the table lists them; --format json has them all)</p>`);
  if (result.causes.length > MAX_CAUSES) out.push(`<p class="note">${result.causes.length - MAX_CAUSES} more causes (--format json lists them)</p>`);
  out.push('</section>');
  return out.join('\n');
}

// ---- address findings -----------------------------------------------------------------------

function addressFindingsSection(result: CheckResult): string {
  const list = result.findings.filter((f) => f.flow === undefined);
  if (list.length === 0) return '';
  const shown = list.slice(0, MAX_ADDRESS_FINDINGS).map((f) => findingBlock(result, f, undefined));
  const more = list.length > shown.length ? `<p class="note">${list.length - shown.length} more (--format json lists them)</p>` : '';
  return `<section id="address-findings"><h2>Address findings (${list.length})</h2>
<p>Who claimed which address on the wire (ARP, Neighbor Discovery): not tied to one flow.</p>
${shown.join('\n')}${more}</section>`;
}

// ---- VIP timeline ---------------------------------------------------------------------------

function timelineSection(result: CheckResult, ro: Roles): string {
  const events = result.timeline;
  const out: string[] = [`<section id="timeline"><h2>VIP owner timeline</h2>`];
  if (events.length === 0) {
    out.push('<p>No VIP claim (ARP / Neighbor Discovery) was seen in the capture.</p></section>');
    return out.join('\n');
  }
  // The axis covers the events and the listed flows, so a claim is seen against the traffic.
  let t0 = events[0]!.time;
  let t1 = events[0]!.time;
  const widen = (t: string): void => {
    if (nanosBetween(t0, t) < 0) t0 = t;
    if (nanosBetween(t1, t) > 0) t1 = t;
  };
  for (const e of events) widen(e.time);
  for (const f of result.flows.slice(0, 5000)) {
    widen(f.start);
    widen(f.end);
  }
  const span = Math.max(nanosBetween(t0, t1), 1e6);
  const W = 820;
  const left = 140;
  const right = 30;
  const xOf = (t: string): number => left + ((W - left - right) * nanosBetween(t0, t)) / span;
  const ips = [...new Set(events.map((e) => e.ip))];
  const laneH = 74;
  const H = 30 + ips.length * laneH + 24;
  const svg: string[] = [`<svg class="timeline-svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="VIP owner timeline">`];
  const palette = ['own-a', 'own-b', 'own-c', 'own-d'];
  const macClass = new Map<string, string>();
  let marks = 0;
  ips.forEach((ip, li) => {
    const y = 30 + li * laneH + 24;
    svg.push(`<text x="6" y="${y + 5}" class="lane-head" text-anchor="start">${esc(ip)}</text>`);
    const owners = events.filter((e) => e.ip === ip && (e.kind === 'claim' || e.kind === 'owner-change'));
    owners.forEach((e, k) => {
      // The first owner is drawn from the start of the axis: its claim may come after a conflict.
      const xa = k === 0 ? left : xOf(e.time);
      const next = owners[k + 1];
      const xb = next ? xOf(next.time) : W - right;
      let cls = macClass.get(e.mac);
      if (!cls) {
        cls = palette[macClass.size % palette.length]!;
        macClass.set(e.mac, cls);
      }
      const label = `${e.mac} (${roleOfMac(ro, e.mac)})`;
      svg.push(
        `<g class="seg ${cls}"><title>${esc(label)} owns ${esc(ip)} from frame ${esc(frameText(result, e.frame))}</title><rect x="${n(xa)}" y="${y - 10}" width="${n(Math.max(2, xb - xa))}" height="20"/>` +
          `${xb - xa > 150 ? `<text x="${n(xa + 6)}" y="${y + 4}" text-anchor="start">${esc(label)}</text>` : ''}</g>`,
      );
      if (e.kind === 'owner-change') {
        svg.push(`<g class="ev change"><title>${esc(e.note)} (frame ${esc(frameText(result, e.frame))})</title><line x1="${n(xOf(e.time))}" y1="${y - 22}" x2="${n(xOf(e.time))}" y2="${y + 14}"/><text x="${n(xOf(e.time))}" y="${y - 25}" text-anchor="middle">⇄ failover</text></g>`);
      }
    });
    if (owners.length === 0) svg.push(`<text x="${left}" y="${y + 4}" text-anchor="start" class="small">owner unknown (no claim seen)</text>`);
    for (const e of events) {
      if (e.ip !== ip || (e.kind !== 'conflict' && e.kind !== 'bypass-start')) continue;
      if (marks++ >= MAX_TIMELINE_MARKS) break;
      const x = xOf(e.time);
      if (e.kind === 'conflict') {
        svg.push(`<g class="ev conflict"><title>${esc(e.note)} (frame ${esc(frameText(result, e.frame))})</title><text x="${n(x)}" y="${y - 14}" text-anchor="middle">✗</text></g>`);
      } else {
        svg.push(`<g class="ev bypass"><title>${esc(e.note)} (frame ${esc(frameText(result, e.frame))})</title><text x="${n(x)}" y="${y + 30}" text-anchor="middle">▲</text></g>`);
      }
    }
  });
  svg.push(`<line class="tickline" x1="${left}" y1="${H - 21}" x2="${W - right}" y2="${H - 21}"/>`);
  for (let k = 0; k <= 4; k++) {
    const x = left + ((W - left - right) * k) / 4;
    svg.push(`<text x="${n(x)}" y="${H - 4}" class="tick" text-anchor="${k === 0 ? 'start' : k === 4 ? 'end' : 'middle'}">${esc(offsetText((span * k) / 4))}</text><line class="tickline" x1="${n(x)}" y1="${H - 24}" x2="${n(x)}" y2="${H - 18}"/>`);
  }
  svg.push('</svg>');
  const legend = [...macClass].map(([mac, cls]) => `<span class="legend"><span class="swatch ${cls}"></span>${esc(mac)} (${esc(roleOfMac(ro, mac))})</span>`).join(' ');
  out.push(`<p>Bars: which MAC owned the VIP (answered its ARP / ND) over time. ✗ above the bar: another MAC claimed it (conflict); ⇄ failover: owner change; ▲ below: first frame a client sent to a real server's MAC (first poisoned client).</p>`);
  out.push(`<div class="scroll">${svg.join('')}</div><p>${legend}</p>`);
  const rows = events
    .slice(0, MAX_TIMELINE_ROWS)
    .map((e) => `<tr class="ev-${e.kind}"><td>${esc(offsetText(nanosBetween(t0, e.time)))}</td><td>${esc(frameText(result, e.frame))}</td><td>${esc(EVENT_WORD[e.kind])}</td><td>${esc(e.note)}</td></tr>`)
    .join('');
  out.push(`<table class="events"><thead><tr><th>time</th><th>frame</th><th>event</th><th>what</th></tr></thead><tbody>${rows}</tbody></table>`);
  if (events.length > MAX_TIMELINE_ROWS) out.push(`<p class="note">${events.length - MAX_TIMELINE_ROWS} more events (--format json lists them)</p>`);
  if (result.causes.length > MAX_CAUSES) out.push(`<p class="note">${result.causes.length - MAX_CAUSES} more causes (--format json lists them)</p>`);
  out.push('</section>');
  return out.join('\n');
}

// ---- balance --------------------------------------------------------------------------------

/**
 * Expected share of flows per RS (by IP and by MAC), when the result carries configured weights:
 * `services[].realServers[].expectedShare` (averaged over the services an RS serves), else the
 * topology weights when every RS has one. The `services` field is read defensively: it is not
 * part of every CheckResult.
 */
function expectedShares(result: CheckResult): Map<string, number> {
  const out = new Map<string, number>();
  const services: unknown = (result as unknown as Record<string, unknown>).services;
  if (Array.isArray(services)) {
    const sums = new Map<string, { total: number; count: number }>();
    for (const s of services as unknown[]) {
      if (typeof s !== 'object' || s === null) continue;
      const list: unknown = (s as Record<string, unknown>).realServers;
      if (!Array.isArray(list)) continue;
      for (const r of list as unknown[]) {
        if (typeof r !== 'object' || r === null) continue;
        const rec = r as Record<string, unknown>;
        const share = rec.expectedShare;
        if (typeof share !== 'number' || !Number.isFinite(share)) continue;
        for (const k of [rec.ip, rec.mac]) {
          if (typeof k !== 'string') continue;
          const acc = sums.get(k) ?? { total: 0, count: 0 };
          acc.total += share;
          acc.count += 1;
          sums.set(k, acc);
        }
      }
    }
    for (const [k, v] of sums) out.set(k, v.total / v.count);
    if (out.size > 0) return out;
  }
  const rs = result.topology.realServers;
  if (rs.length > 0 && rs.every((r) => r.weight !== undefined)) {
    const total = rs.reduce((a, r) => a + (r.weight ?? 0), 0);
    if (total > 0) {
      for (const r of rs) {
        const share = (r.weight ?? 0) / total;
        if (r.ip) out.set(r.ip, share);
        if (r.mac) out.set(r.mac, share);
      }
    }
  }
  return out;
}

function balanceSection(result: CheckResult): string {
  const rs = [...result.topology.realServers].sort((a, b) => b.flows - a.flows);
  const total = rs.reduce((a, r) => a + r.flows, 0);
  const out: string[] = [`<section id="balance"><h2>Flows per real server</h2>`];
  if (rs.length === 0) {
    out.push('<p>No real server is known.</p></section>');
    return out.join('\n');
  }
  const expected = expectedShares(result);
  const shown = rs.slice(0, MAX_BARS);
  const rest = rs.slice(MAX_BARS);
  const rowH = 26;
  const left = 290;
  const barW = 420;
  const W = left + barW + 100;
  const bars = shown.map((r) => ({ label: rsText(r), flows: r.flows, expected: (r.ip ? expected.get(r.ip) : undefined) ?? (r.mac ? expected.get(r.mac) : undefined) }));
  if (rest.length > 0) bars.push({ label: `${rest.length} other real servers`, flows: rest.reduce((a, r) => a + r.flows, 0), expected: undefined });
  const H = 10 + bars.length * rowH + 10;
  const svg: string[] = [`<svg class="balance-svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="flows per real server">`];
  bars.forEach((b, i) => {
    const y = 10 + i * rowH;
    const share = total > 0 ? b.flows / total : 0;
    const pct = `${(share * 100).toFixed(1)}%`;
    const exp = b.expected !== undefined ? `, expected ${(b.expected * 100).toFixed(1)}%` : '';
    svg.push(
      `<g class="bar"><title>${esc(b.label)}: ${esc(plural(b.flows, 'flow'))} (${pct}${exp})</title><text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(b.label)}</text>` +
        `<rect class="track" x="${left}" y="${y + 3}" width="${barW}" height="16"/><rect class="fill" x="${left}" y="${y + 3}" width="${n(barW * share)}" height="16"/>` +
        `<text x="${left + barW + 6}" y="${y + 15}" text-anchor="start">${b.flows} (${pct})</text>` +
        `${b.expected !== undefined ? `<line class="expected" x1="${n(left + barW * b.expected)}" y1="${y}" x2="${n(left + barW * b.expected)}" y2="${y + 22}"/>` : ''}</g>`,
    );
  });
  svg.push('</svg>');
  out.push(
    `<p>${esc(plural(total, 'flow'))} forwarded to ${esc(plural(rs.length, 'real server'))}${expected.size > 0 ? '; the vertical mark is the share the configured weights give' : '; no weights were given, so there is no expected share'}.</p>`,
  );
  out.push(`<div class="scroll">${svg.join('')}</div>`);
  const table = bars
    .map((b) => `<tr><td>${esc(b.label)}</td><td>${b.flows}</td><td>${total > 0 ? ((b.flows / total) * 100).toFixed(1) : '0.0'}%</td><td>${b.expected !== undefined ? `${(b.expected * 100).toFixed(1)}%` : '-'}</td></tr>`)
    .join('');
  out.push(`<table class="shares"><thead><tr><th>real server</th><th>flows</th><th>share</th><th>expected</th></tr></thead><tbody>${table}</tbody></table>`);
  out.push(healthChart(result));
  if (result.causes.length > MAX_CAUSES) out.push(`<p class="note">${result.causes.length - MAX_CAUSES} more causes (--format json lists them)</p>`);
  out.push('</section>');
  return out.join('\n');
}

/**
 * The second chart: each real server's handshake time (median bar, p90 tick) on one scale, with
 * its retransmission rate; a server far from its peers (rs-health) is drawn in the failing colour.
 */
function healthChart(result: CheckResult): string {
  const rs = result.topology.realServers.filter((r) => r.health !== undefined).slice(0, MAX_BARS);
  if (rs.length === 0) return '';
  const flagged = new Set(result.findings.filter((f) => f.rule === 'rs-health' && f.mac !== undefined).map((f) => f.mac!));
  const scale = Math.max(...rs.map((r) => r.health!.handshakeMs?.p90 ?? 0), 1e-9);
  const rowH = 26;
  const left = 290;
  const barW = 420;
  const W = left + barW + 220;
  const H = 10 + rs.length * rowH + 10;
  const svg: string[] = [`<svg class="health-svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="handshake time per real server">`];
  rs.forEach((r, i) => {
    const h = r.health!;
    const y = 10 + i * rowH;
    const hs = h.handshakeMs;
    const label = rsText(r);
    const what = hs ? `median ${millisText(hs.median)}, p90 ${millisText(hs.p90)}, max ${millisText(hs.max)} (${plural(h.handshakes, 'handshake')})` : 'no handshake timed';
    const rate = `retransmitted ${percentText(h.retransmissionRate)}`;
    svg.push(
      `<g class="bar${r.mac !== undefined && flagged.has(r.mac) ? ' sick' : ''}"><title>${esc(label)}: ${esc(what)}; ${esc(rate)}</title><text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(label)}</text>` +
        `<rect class="track" x="${left}" y="${y + 3}" width="${barW}" height="16"/>` +
        (hs ? `<rect class="fill" x="${left}" y="${y + 3}" width="${n((barW * hs.median) / scale)}" height="16"/><line class="p90" x1="${n(left + (barW * hs.p90) / scale)}" y1="${y}" x2="${n(left + (barW * hs.p90) / scale)}" y2="${y + 22}"/>` : '') +
        `<text x="${left + barW + 6}" y="${y + 15}" text-anchor="start">${esc(hs ? millisText(hs.median) : '-')} · ${esc(rate)}</text></g>`,
    );
  });
  svg.push('</svg>');
  const rows = rs.map((r) => `<tr${r.mac !== undefined && flagged.has(r.mac) ? ' class="sick"' : ''}><td>${esc(rsText(r))}</td>${healthCells(r.health!).map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('');
  return [
    `<h3 id="health">Handshake time per real server</h3>`,
    `<p>From the SYN the real server could first answer (the director's copy when the capture shows it) to its SYN-ACK: the bar is the median, the tick the 90th percentile; beside it the share of its connections' segments sent again. A server far from its peers is named by rs-health.</p>`,
    `<div class="scroll">${svg.join('')}</div>`,
    `<table class="health"><thead><tr><th>real server</th>${HEALTH_HEAD.map((x) => `<th>${esc(x)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>`,
  ].join('\n');
}

// ---- rules ----------------------------------------------------------------------------------

function rulesSection(result: CheckResult): string {
  const counts = new Map<string, number>();
  const first = new Map<string, Finding>();
  for (const f of result.findings) {
    counts.set(f.rule, (counts.get(f.rule) ?? 0) + 1);
    if (!first.has(f.rule)) first.set(f.rule, f);
  }
  for (const [rule, k] of Object.entries(result.summary.suppressedFindings)) counts.set(rule, (counts.get(rule) ?? 0) + k);
  const out: string[] = [`<section id="rules"><h2>Rules that reported</h2>`];
  const reported = allRules.filter((r) => counts.has(r.id));
  if (reported.length === 0) out.push('<p>No rule reported anything.</p>');
  for (const r of reported) {
    const f = first.get(r.id);
    const fix = r.meta.remediation.map((x) => `<li>${esc(x.replace(/\{(\w+)\}/g, '<$1>'))}</li>`).join('');
    out.push(`<article class="rule" id="rule-${esc(r.id)}"><h3>${esc(r.id)} <span class="small">${esc(SEVERITY_WORD[f?.severity ?? r.defaultSeverity])} · ${esc(plural(counts.get(r.id) ?? 0, 'finding'))}</span></h3>
<p><b>Checks:</b> ${esc(r.meta.summary)}</p>
<p><b>Why:</b> ${esc(r.meta.rationale)}</p>
<p><b>How to fix it, in general</b> (the fixes for this capture are under <a href="#causes">Causes</a>):</p><ul class="fix">${fix}</ul>
<p class="small"><b>Needs:</b> ${esc(r.meta.observability)}</p></article>`);
  }
  // Findings of rules this build does not know (a result from another version) still get an anchor.
  for (const [rule] of counts) {
    if (!allRules.some((r) => r.id === rule)) out.push(`<article class="rule" id="rule-${esc(rule)}"><h3>${esc(rule)}</h3><p>Not a rule of this lvs-pcap version.</p></article>`);
  }
  if (result.causes.length > MAX_CAUSES) out.push(`<p class="note">${result.causes.length - MAX_CAUSES} more causes (--format json lists them)</p>`);
  out.push('</section>');
  return out.join('\n');
}

// ---- static parts ---------------------------------------------------------------------------

const ARROW_DEFS =
  '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>' +
  '<marker id="ah" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#444"/></marker>' +
  '<marker id="ahb" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#b00020"/></marker>' +
  '</defs></svg>';

const CSS = `
:root{color-scheme:light;--fail:#b00020;--pass:#1b6e35;--inc:#8a5a00;--ink:#1d1d1f;--mute:#5f6368;--line:#d0d4da;--bg2:#f5f6f8}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);margin:0 auto;padding:16px 24px 40px;max-width:1200px;background:#fff}
code,.mono,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px}
h1{font-size:22px;margin:4px 0 8px}h2{font-size:18px;border-bottom:2px solid var(--line);padding-bottom:4px;margin-top:32px}h3{font-size:15px;margin:8px 0}
a{color:#0b57d0}
.badge{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;font-weight:700;letter-spacing:.5px}
.badge.fail{background:var(--fail)}.badge.pass{background:var(--pass)}.badge.no-traffic{background:var(--inc)}
.v-fail{color:var(--fail);font-weight:600}.v-pass{color:var(--pass);font-weight:600}.v-incomplete{color:var(--inc);font-weight:600}
.small{color:var(--mute);font-size:12px}.note{color:var(--inc)}
ul.captures{margin:4px 0;padding-left:20px}
nav{border-bottom:1px solid var(--line);padding:6px 0}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{border:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
thead th{background:var(--bg2)}
th button.sort{all:unset;cursor:pointer;font-weight:600}
th button.sort::after{content:" ↕";color:var(--mute)}
th[aria-sort=ascending] button.sort::after{content:" ↑"}th[aria-sort=descending] button.sort::after{content:" ↓"}
tr.fail td:first-child{border-left:4px solid var(--fail)}tr.incomplete td:first-child{border-left:4px solid var(--inc)}
tr.flow.pass{display:none}
#show-pass:checked~table tr.flow.pass:not([hidden]){display:table-row}
#show-pass:checked~table tr.pass-agg{display:none}
tr.agg td{color:var(--mute);font-style:italic}td.nw{white-space:nowrap}
.toggle{position:absolute;opacity:0;width:1px;height:1px}
.controls{display:flex;gap:16px;align-items:center;flex-wrap:wrap;background:var(--bg2);padding:6px 10px;border-radius:4px}
label.check{cursor:pointer;user-select:none}
label.check::before{content:"☐ ";font-size:16px}
#show-pass:checked~.controls label.check::before{content:"☑ "}
#show-pass:focus-visible~.controls label.check{outline:2px solid #0b57d0}
.scroll{overflow-x:auto}
svg text{font-size:12px;fill:var(--ink)}
svg .small,svg .lane-sub,svg .tick{fill:var(--mute);font-size:11px}
svg .colhead{font-weight:600}svg .vip{font-weight:600;fill:#0b57d0}
.node rect{fill:#fff;stroke:#555;stroke-width:1.2}.node.owner rect{stroke:var(--pass);stroke-width:2.5}.node.bad rect{stroke:var(--fail);stroke-width:2.5;stroke-dasharray:5 3}
.node.bad .small{fill:var(--fail)}
.link{fill:none;stroke:#777;stroke-width:1.2}.link.reply{stroke-dasharray:4 4}
.lane-head{font-weight:600}.lane-sub{font-family:ui-monospace,monospace}
.lane{stroke:#999;stroke-dasharray:2 3}
.arrow{stroke:#444;stroke-width:1.4;fill:none}.arrow.copy{stroke-dasharray:6 3}.joint{fill:#444}
.flags{font-size:11px;paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}.fno{font-family:ui-monospace,monospace;font-size:11px}
.pkt.bad .arrow{stroke:var(--fail);stroke-width:3}.pkt.bad text{fill:var(--fail);font-weight:700}
.pkt:hover .arrow{stroke-width:3}
.badmark{color:var(--fail);fill:var(--fail);font-weight:700}
article.ladder{border:1px solid var(--line);border-left:5px solid var(--fail);border-radius:4px;padding:8px 12px;margin:14px 0;break-inside:avoid}
.finding{border-top:1px dashed var(--line);margin-top:6px;padding-top:4px}
.finding p{margin:4px 0}.finding.error .sev{color:var(--fail);font-weight:700}.finding.warning .sev{color:var(--inc);font-weight:700}
ul.fix{margin:2px 0 6px;padding-left:20px}
pre.fix{margin:2px 0 8px 16px;padding:6px 8px;background:var(--bg2);white-space:pre-wrap;overflow-wrap:anywhere}
p.fixhost{margin:6px 0 0}
article.cause{border-left:4px solid var(--inc);padding-left:10px;margin:10px 0}article.cause.error{border-left-color:var(--fail)}
code.filter{background:var(--bg2);padding:1px 4px;border-radius:3px}
button.copy{font:inherit;font-size:12px;padding:1px 8px;cursor:pointer}
.seg rect{stroke:#333;stroke-width:.8}.seg text{font-size:11px}
.own-a rect,.swatch.own-a{fill:#cfe8d5;background:#cfe8d5}.own-b rect,.swatch.own-b{fill:#cde0f7;background:#cde0f7}.own-c rect,.swatch.own-c{fill:#f7e3c6;background:#f7e3c6}.own-d rect,.swatch.own-d{fill:#e6d6f2;background:#e6d6f2}
.swatch{display:inline-block;width:14px;height:10px;border:1px solid #333;margin-right:4px}
.legend{margin-right:14px;font-family:ui-monospace,monospace;font-size:12px}
.ev text{font-size:15px;font-weight:700}.ev.conflict text{fill:var(--fail)}.ev.bypass text{fill:var(--inc)}
.ev.change line{stroke:#0b57d0;stroke-width:2}.ev.change text{fill:#0b57d0;font-size:12px}
.tickline{stroke:#999}
.bar .track{fill:var(--bg2);stroke:var(--line)}.bar .fill{fill:#5b7fb5}.bar .expected{stroke:var(--fail);stroke-width:2.5}
.bar .p90{stroke:var(--ink);stroke-width:2}.bar.sick .fill{fill:var(--fail)}.bar.sick text{fill:var(--fail)}tr.sick td{color:var(--fail)}
table.events td:nth-child(-n+2),table.shares td:nth-child(n+2){white-space:nowrap}
footer{margin-top:40px;color:var(--mute);font-size:12px}
@media print{
 nav,.controls,button.copy,label.check{display:none!important}
 body{max-width:none;padding:0;font-size:10pt}
 h2{break-after:avoid}article.ladder,article.rule,.finding,svg{break-inside:avoid}
 a{color:inherit;text-decoration:none}
 .scroll{overflow:visible}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
`;

/**
 * The page's policy: nothing fetched; the one script of the page and nothing else runs (it is
 * named by its hash, so markup that slipped through the escaping could not add another); no
 * form submission, no <base>. Inline styles stay allowed: the page's own are all there is.
 * navigate-to is left out: it was dropped from CSP Level 3 before any browser shipped it, and
 * Chromium logs it as an error on every load; without script no code can navigate anyway.
 */
function contentSecurityPolicy(script: string): string {
  const hash = createHash('sha256').update(script, 'utf8').digest('base64');
  return [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    `script-src 'sha256-${hash}'`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** Filtering, sorting and copying; kept in plain ES5-ish script so any browser runs it. */
const SCRIPT = `
(function(){
  var d=document,table=d.getElementById('flow-table');
  var fv=d.getElementById('f-verdict'),fr=d.getElementById('f-rule'),sp=d.getElementById('show-pass'),count=d.getElementById('shown-count');
  function rows(){return Array.prototype.slice.call(table.tBodies[0].rows);}
  function apply(){
    var v=fv.value,r=fr.value,n=0;
    if(v==='pass'&&!sp.checked)sp.checked=true;
    rows().forEach(function(tr){
      var ok=(v==='all'||tr.getAttribute('data-verdict')===v)&&(r==='all'||(' '+tr.getAttribute('data-rules')+' ').indexOf(' '+r+' ')>=0);
      tr.hidden=!ok;
      if(ok&&(sp.checked||tr.getAttribute('data-verdict')!=='pass'))n++;
    });
    count.textContent=n+' row'+(n===1?'':'s')+' shown';
  }
  if(table&&fv){fv.addEventListener('change',apply);fr.addEventListener('change',apply);sp.addEventListener('change',apply);apply();}
  function key(td){
    var s=td.getAttribute('data-sort');if(s!==null)return Number(s);
    var t=td.textContent.trim(),m=/^(\\d+)\\.(\\d+)\\.(\\d+)\\.(\\d+)(?::(\\d+))?/.exec(t);
    if(m)return (((+m[1]*256+ +m[2])*256+ +m[3])*256+ +m[4])*65536+(+m[5]||0);
    m=/^(\\d+)/.exec(t);if(m)return Number(m[1]);
    return t.toLowerCase();
  }
  Array.prototype.forEach.call(d.querySelectorAll('#flow-table th button.sort'),function(b){
    b.addEventListener('click',function(){
      var th=b.parentNode,col=Number(b.getAttribute('data-col')),asc=th.getAttribute('aria-sort')!=='ascending';
      Array.prototype.forEach.call(table.tHead.rows[0].cells,function(c){c.removeAttribute('aria-sort');});
      th.setAttribute('aria-sort',asc?'ascending':'descending');
      var list=rows().map(function(tr,i){return {tr:tr,k:key(tr.cells[col]),i:i};});
      list.sort(function(x,y){var a=x.k,c=y.k,r=(typeof a===typeof c)?(a<c?-1:a>c?1:0):(typeof a==='number'?-1:1);return (asc?r:-r)||x.i-y.i;});
      var body=table.tBodies[0];list.forEach(function(e){body.appendChild(e.tr);});
    });
  });
  function fallback(text){
    var t=d.createElement('textarea');t.value=text;t.setAttribute('readonly','');t.style.position='fixed';t.style.opacity='0';
    d.body.appendChild(t);t.select();var ok=false;try{ok=d.execCommand('copy');}catch(e){}d.body.removeChild(t);return ok;
  }
  Array.prototype.forEach.call(d.querySelectorAll('button.copy'),function(b){
    var label=b.textContent;
    b.addEventListener('click',function(){
      var text=b.getAttribute('data-copy');
      function done(ok){b.setAttribute('data-copied',ok?'yes':'no');b.textContent=ok?'Copied ✓':'Copy failed: select the text';setTimeout(function(){b.textContent=label;},2500);}
      if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(text).then(function(){done(true);},function(){done(fallback(text));});}
      else done(fallback(text));
    });
  });
})();
`;

const CSP = contentSecurityPolicy(SCRIPT);
