/** `lvs-pcap check`: argument handling around the library's checkCaptures(). */
import { readFile } from 'node:fs/promises';
import { checkCaptures } from '../check/check.js';
import { buildGivenTopology } from '../topology/build.js';
import type { GivenTopology } from '../topology/topology.js';
import type { CheckResult, Finding } from '../result/result.js';
import { UsageError } from '../topology/usage-error.js';
import { DEFAULT_GATE, FAIL_ON, gate, isDefaultGate, type FailOn, type GateOptions } from '../report/gate.js';
import { FORMATS, isFormat, reporters, type FormatName, type ReportOptions } from '../report/index.js';
import { colourStyle, plainStyle, wantColour } from '../report/style.js';
import { endpoint, summaryCounts, verdictWord } from '../report/text.js';
import { rules as allRules } from '../rules/index.js';
import type { Rule } from '../rules/define.js';
import { writeEvidence } from '../report/evidence.js';
import { collectLadders } from '../report/ladder.js';
import { unusable, warnIssues } from './messages.js';
import { OutputBuffer, writeAll } from './output.js';
import { isWriteError, prepareOutputs, writeReason } from './output-files.js';
import { fsPath } from '../capture/fs-path.js';
import { visible } from '../report/printable.js';

export { FORMATS };

export interface CheckArgs {
  captures: string[];
  vip: string[];
  directorMac: string[];
  rs: string[];
  ipvsadm: string | undefined;
  config: string | undefined;
  /** Every --keepalived value: one keepalived.conf per director. */
  keepalived?: string[];
  /** Every --format value, in order: NAME or NAME:FILE. Empty means table on stdout. */
  format: string[];
  /** Every --output value (more than one is a usage error). */
  output: string[];
  allFlows: boolean;
  timeline: boolean;
  rules: string[];
  disable: string[];
  /** Every --fail-on value (more than one is a usage error). */
  failOn?: string[];
  strict?: boolean;
  expectRs?: string[];
  minFlows?: string[];
  /** --write-evidence FILE: the cited frames as a new pcap. */
  writeEvidence?: string;
  /** --evidence-flows: also every frame of the flows concerned. */
  evidenceFlows?: boolean;
  /** --max-flows N: bound of the flow table. */
  maxFlows?: string[];
  /** --follow: print each finding as soon as it is certain (live use), then the full report. */
  follow?: boolean;
}

/** Where one format goes: a file, or stdout when `file` is null. */
export interface OutputSpec {
  format: FormatName;
  file: string | null;
  /** How the user named it, for error messages. */
  flag: string;
}

export function once(flag: string, values: readonly string[] | undefined): string | undefined {
  if (values === undefined || values.length === 0) return undefined;
  if (values.length > 1) throw new UsageError(`${flag} given ${values.length} times (${values.join(', ')}): give it once`);
  return values[0];
}

/**
 * `--format NAME[:FILE]` (repeatable) and `--output FILE`. The file is everything after the
 * first colon, so paths with colons work; `-` as FILE means stdout. At most one format may go
 * to stdout; `--output` redirects that one (so `--format junit --output r.xml` keeps working).
 */
export function parseOutputs(formats: readonly string[], outputs: readonly string[]): OutputSpec[] {
  const values = formats.length > 0 ? formats : ['table'];
  const specs: OutputSpec[] = values.map((value) => {
    const colon = value.indexOf(':');
    const name = colon < 0 ? value : value.slice(0, colon);
    const file = colon < 0 ? null : value.slice(colon + 1);
    if (!isFormat(name)) throw new UsageError(`--format ${value}: unknown format '${name}' (one of ${FORMATS.join(', ')}; NAME:FILE writes to FILE)`);
    if (file === '') throw new UsageError(`--format ${value}: no file name after ':' (NAME:FILE, or NAME alone for stdout)`);
    return { format: name, file: file === '-' ? null : file, flag: `--format ${value}` };
  });
  const toStdout = specs.filter((s) => s.file === null);
  if (toStdout.length > 1) {
    throw new UsageError(
      `--format: ${toStdout.map((s) => s.format).join(' and ')} would both go to stdout; give all but one a file (--format NAME:FILE)`,
    );
  }
  const output = once('--output', outputs);
  if (output !== undefined) {
    if (output === '') throw new UsageError('--output: empty file name');
    const target = toStdout[0];
    if (!target) throw new UsageError(`--output ${output}: every --format already names its file; --output applies to the one without :FILE`);
    if (output !== '-') {
      target.file = output;
      target.flag = `--output ${output}`;
    }
  }
  const seen = new Map<string, OutputSpec>();
  for (const s of specs) {
    if (s.file === null) continue;
    const prev = seen.get(s.file);
    if (prev) throw new UsageError(`${s.flag}: ${s.file} is already the file of ${prev.flag}`);
    seen.set(s.file, s);
  }
  return specs;
}

export function parseCount(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`${flag} ${value === '' ? "''" : value}: not a whole number`);
  return Number(value.trim());
}

/** --fail-on LEVEL, --strict (= --fail-on incomplete), --expect-rs N, --min-flows N. */
export function parseGate(args: Pick<CheckArgs, 'failOn' | 'strict' | 'expectRs' | 'minFlows'>): GateOptions {
  const value = once('--fail-on', args.failOn);
  if (value !== undefined && !(FAIL_ON as readonly string[]).includes(value)) {
    throw new UsageError(`--fail-on ${value === '' ? "''" : value}: unknown level (one of ${FAIL_ON.join(', ')})`);
  }
  if (args.strict && value !== undefined && value !== 'incomplete') {
    throw new UsageError(`--strict means --fail-on incomplete, which contradicts --fail-on ${value}`);
  }
  const failOn: FailOn = args.strict ? 'incomplete' : ((value as FailOn | undefined) ?? DEFAULT_GATE.failOn);
  const expectRs = parseCount('--expect-rs', once('--expect-rs', args.expectRs));
  const minFlows = parseCount('--min-flows', once('--min-flows', args.minFlows));
  return { failOn, ...(expectRs !== undefined ? { expectRs } : {}), ...(minFlows !== undefined ? { minFlows } : {}) };
}

/** What the topology options say (--vip, --director-mac, --rs, --ipvsadm, --config, --keepalived), for check, topology and watch alike. */
export interface TopologyOptions {
  vip: string[];
  directorMac: string[];
  rs: string[];
  ipvsadm?: string | undefined;
  config?: string | undefined;
  keepalived?: string[] | undefined;
}

export async function givenFromArgs(args: TopologyOptions): Promise<GivenTopology> {
  return buildGivenTopology({
    vips: args.vip,
    directorMacs: args.directorMac,
    rs: args.rs,
    ...(args.ipvsadm !== undefined ? { ipvsadm: await readText(args.ipvsadm, '--ipvsadm') } : {}),
    ...(args.config !== undefined ? { config: await readText(args.config, '--config') } : {}),
    keepalived: keepalivedPaths(args.keepalived ?? []),
  });
}

export async function readText(path: string, what: string): Promise<{ text: string; source: string }> {
  try {
    return { text: await readFile(fsPath(path), 'utf8'), source: path };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    throw new UsageError(`${what} ${path}: ${why(code)}`);
  }
}

/** --keepalived paths: stdin cannot be one (its includes are relative to the file). */
export function keepalivedPaths(paths: readonly string[]): string[] {
  for (const p of paths) {
    if (p === '-') throw new UsageError('--keepalived -: give the file (its includes are found relative to it)');
    if (p === '') throw new UsageError('--keepalived: empty file name');
  }
  return [...paths];
}

function why(code: string): string {
  return code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : code;
}

export function selectRules(only: readonly string[], disable: readonly string[]): Rule[] {
  const known = new Set(allRules.map((r) => r.id));
  for (const id of [...only, ...disable]) {
    if (!known.has(id)) throw new UsageError(`unknown rule '${id}' (lvs-pcap rules lists them)`);
  }
  return allRules.filter((r) => (only.length === 0 || only.includes(r.id)) && !disable.includes(r.id));
}

export async function runCheck(args: CheckArgs, warn: (line: string) => void): Promise<number> {
  // Every argument is checked before the captures are read, so a typo fails in milliseconds.
  const outputs = parseOutputs(args.format, args.output);
  const gateOptions = parseGate(args);
  const given = await givenFromArgs(args);
  const rules = selectRules(args.rules, args.disable);
  const maxFlows = parseCount('--max-flows', once('--max-flows', args.maxFlows));
  if (maxFlows !== undefined && maxFlows < 1) throw new UsageError(`--max-flows ${maxFlows}: must be at least 1`);
  if (args.evidenceFlows && args.writeEvidence === undefined) throw new UsageError('--evidence-flows needs --write-evidence FILE');
  if (args.writeEvidence !== undefined && args.captures.includes('-')) {
    throw new UsageError('--write-evidence reads the captures a second time and cannot with stdin (-): save the capture to a file first');
  }
  // Every file this run writes is checked now, against the inputs and each other, and its
  // directory tried: a wrong path fails before the captures are read, never after the report.
  const toStdout = outputs.find((o) => o.file === null);
  const fileOutputs = outputs.flatMap((o) => (o.file === null ? [] : [{ format: o.format, flag: o.flag, path: o.file }]));
  const files = prepareOutputs(
    [
      ...fileOutputs,
      ...(args.writeEvidence !== undefined ? [{ flag: `--write-evidence ${args.writeEvidence}`, path: args.writeEvidence }] : []),
    ],
    [
      ...args.captures.map((c) => ({ what: `the capture ${c}`, path: c })),
      ...(args.ipvsadm !== undefined ? [{ what: `the --ipvsadm file ${args.ipvsadm}`, path: args.ipvsadm }] : []),
      ...(args.config !== undefined ? [{ what: `the --config file ${args.config}`, path: args.config }] : []),
      ...(args.keepalived ?? []).map((k) => ({ what: `the --keepalived file ${k}`, path: k })),
    ],
    toStdout !== undefined || args.follow === true,
  );
  const evidenceFile = args.writeEvidence !== undefined ? files[files.length - 1] : undefined;
  const reportFiles = args.writeEvidence !== undefined ? files.slice(0, -1) : files;
  const progress = progressReporter(args.captures);
  // --follow lines that cannot be written (a full disk) stop; the analysis goes on, and the
  // report's own write says the same at the end.
  let following = true;
  const follow = (f: Finding): void => {
    if (!following) return;
    try {
      writeAll(1, `${visible(followLine(args.captures, f))}\n`, () => {
        following = false;
      });
    } catch (err) {
      if (!isWriteError(err)) throw err;
      following = false;
      warn(`lvs-pcap: cannot write --follow lines to stdout: ${writeReason(err)}`);
    }
  };
  // Ctrl-C ends the input, not the program: what was read is judged and reported. (tcpdump in
  // the same pipeline gets it too and closes the pipe.) A second Ctrl-C exits at once.
  const stop = new AbortController();
  const onSigint = (): void => {
    if (stop.signal.aborted) process.exit(130);
    stop.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSigint);
  let result: CheckResult;
  try {
    result = await checkCaptures(args.captures, {
      given,
      rules,
      signal: stop.signal,
      ...(maxFlows !== undefined ? { maxFlows } : {}),
      ...(progress ? { onProgress: progress.update } : {}),
      ...(args.follow ? { onFinding: follow } : {}),
      // Tables without --all-flows show passing flows as a count only: none need a report.
      ...(outputs.every((o) => o.format === 'table') && !args.allFlows ? { passingFlows: 0 } : {}),
    });
  } finally {
    process.off('SIGINT', onSigint);
    // An interrupted read of stdin leaves the pipe open; it must not keep the process alive.
    if (args.captures.includes('-')) process.stdin.destroy();
  }
  progress?.done();
  warnIssues(result, warn);
  if (unusable(result)) return 2;
  const gateResult = gate(result, gateOptions);
  // The HTML ladders need the failing flows' frames: a second, targeted pass over the files.
  const ladders = outputs.some((o) => o.format === 'html') ? await collectLadders(args.captures, result) : undefined;
  const base = {
    ...(ladders ? { ladders } : {}),
    allFlows: args.allFlows,
    timeline: args.timeline,
    rules: rules.map((r) => ({ id: r.id, kind: r.kind })),
    gate: gateOptions,
    gateResult,
  };
  /** A report goes out in buffered pieces as the reporter makes them (see Reporter). */
  const writeReport = (fd: number, format: FormatName, options: ReportOptions): void => {
    const out = new OutputBuffer(fd);
    reporters[format](result, options, (text) => out.write(text));
    out.flush();
  };
  // A report that cannot be written (a full disk) is said on stderr; the others are still
  // written, and the exit status stays the verdict's: it is about the traffic.
  const failed = (what: string, err: unknown): void => {
    if (!isWriteError(err)) throw err;
    warn(`lvs-pcap: ${what}: ${writeReason(err)}`);
  };
  // Files first, so that they are complete by the time the terminal shows the verdict.
  fileOutputs.forEach((o, i) => {
    const file = reportFiles[i]!;
    try {
      writeReport(file.open(), o.format, { ...base, style: plainStyle });
      file.commit();
    } catch (err) {
      file.discard();
      failed(`${file.flag}: cannot write ${file.path}`, err);
    }
  });
  if (toStdout) {
    const style = wantColour(process.stdout, process.env) ? colourStyle : plainStyle;
    try {
      writeReport(1, toStdout.format, { ...base, style });
    } catch (err) {
      failed('cannot write the report to stdout', err);
    }
  } else {
    // Every report went to a file: the verdict still shows where the command ran.
    warn(`lvs-pcap: ${verdictWord(result)}: ${summaryCounts(result)} (${outputs.map((o) => `${o.format} in ${o.file ?? '-'}`).join(', ')})`);
  }
  if (evidenceFile !== undefined) {
    try {
      const summary = await writeEvidence(result, evidenceFile.open(), { flows: args.evidenceFlows === true });
      evidenceFile.commit();
      const skipped = summary.skipped > 0 ? ` (${summary.skipped} cited frames of another link type left out)` : '';
      warn(`lvs-pcap: wrote ${summary.frames} evidence frame${summary.frames === 1 ? '' : 's'} to ${evidenceFile.path}${skipped}`);
    } catch (err) {
      evidenceFile.discard();
      failed(`${evidenceFile.flag}: cannot write ${evidenceFile.path}`, err);
    }
  }
  // The default gate stays silent (the report's verdict says it); a gate the user set
  // explains itself on stderr, where CI logs show it whatever the format.
  if (!isDefaultGate(gateOptions)) for (const r of gateResult.reasons) warn(`lvs-pcap: FAIL: ${r}`);
  return gateResult.status;
}

/**
 * Progress on stderr while a long capture is read: only when stderr is a terminal (never in
 * pipes, logs or CI), rewritten in place at most every 200 ms.
 */
function progressReporter(paths: readonly string[]): { update: (capture: number, bytes: number, total: number | undefined, frames: number) => void; done: () => void } | null {
  if (!process.stderr.isTTY) return null;
  const start = Date.now();
  let last = 0;
  let shown = false;
  return {
    update(capture, bytes, total, frames) {
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      shown = true;
      const seconds = Math.max(0.001, (now - start) / 1000);
      const mb = (n: number): string => `${(n / 1e6).toFixed(0)} MB`;
      const of = total !== undefined ? ` of ${mb(total)} (${Math.floor((100 * bytes) / total)}%)` : '';
      const rate = `${(frames / seconds / 1e6).toFixed(2)}M frames/s`;
      process.stderr.write(`\r\u001b[K${visible(paths[capture] ?? '')}: ${mb(bytes)}${of}, ${rate}`);
    },
    done() {
      if (shown) process.stderr.write('\r\u001b[K');
    },
  };
}

/** One line per finding as it becomes certain: where, severity, rule, flow, message. */
function followLine(paths: readonly string[], f: Finding): string {
  const first = f.frames[0];
  const where = first ? (paths.length > 1 ? `${paths[first.capture] ?? '?'}#${first.frame}` : `frame ${first.frame}`) : '-';
  const flow = f.flow ? ` ${endpoint(f.flow.client)} -> ${endpoint(f.flow.vip)}/${f.flow.proto}` : '';
  return `${where}: ${f.severity} ${f.rule}${flow}: ${f.message}`;
}

/** A result's exit status under the default gate (1 on any error finding). */
export function exitStatus(result: CheckResult): number {
  return gate(result, DEFAULT_GATE).status;
}
