import type { HostRef, Remediation } from './result.js';

const ROLE_TEXT: Record<HostRef['role'], string> = {
  director: 'director',
  'real-server': 'real server',
  client: 'client',
  router: 'router',
  host: 'host',
  'capture-point': 'the capturing host',
};

/** A host without its role: "192.168.188.107 (00:0c:29:e4:4d:1f)", "00:0c:29:aa:00:01"; '' when nothing is known. */
export function hostId(h: HostRef): string {
  return h.ip !== undefined && h.mac !== undefined ? `${h.ip} (${h.mac})` : (h.ip ?? h.mac ?? '');
}

/** How reports name a host: "real server 192.168.188.107 (00:0c:29:e4:4d:1f)", "router 00:0c:29:aa:00:01". */
export function hostText(h: HostRef): string {
  const id = hostId(h);
  return id === '' ? ROLE_TEXT[h.role] : `${ROLE_TEXT[h.role]} ${id}`;
}

/** One host's part of a fix: the host, and lines that paste into a root shell on it as they are. */
export interface FixBlock {
  host: string;
  /** Shell comments (`# why`, `# by hand: ...`, `# persist ...`) and commands, in order. */
  lines: string[];
}

/**
 * A fix as every reporter shows it: per host (consecutive changes on one host share a block),
 * the reason and the steps no command makes as shell comments, the commands as they are, so a
 * block pastes into a root shell on that host.
 */
export function fixBlocks(remediation: readonly Remediation[], maxHosts = Infinity, maxCommands = Infinity): FixBlock[] {
  const blocks: FixBlock[] = [];
  let hosts = 0;
  const hostsLeft = new Set<string>();
  for (const r of remediation) {
    const host = hostText(r.host);
    let block = blocks[blocks.length - 1];
    if (block === undefined || block.host !== host) {
      if (hosts >= maxHosts) {
        hostsLeft.add(host);
        continue;
      }
      hosts++;
      blocks.push((block = { host, lines: [] }));
    }
    block.lines.push(`# ${r.why}`);
    block.lines.push(...r.commands.slice(0, maxCommands));
    if (r.commands.length > maxCommands) block.lines.push(`# ... ${r.commands.length - maxCommands} more commands of this kind (--format json lists them)`);
    if (r.manual !== undefined) block.lines.push(`# by hand: ${r.manual}`);
    if (r.persist !== undefined) block.lines.push(`# to keep it across reboots, put in ${r.persist.file}: ${r.persist.lines.join('; ')}`);
  }
  if (hostsLeft.size > 0) blocks.push({ host: `${hostsLeft.size} more ${hostsLeft.size === 1 ? 'host' : 'hosts'}`, lines: ['# --format json lists every fix'] });
  return blocks;
}
