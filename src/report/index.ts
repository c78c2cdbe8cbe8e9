/**
 * The reporters by format name: each turns the same CheckResult (and the same options) into
 * one string, so the CLI can write several formats from one analysis.
 */
import type { CheckResult } from '../result/result.js';
import { isDefaultGate, type GateOptions, type GateResult } from './gate.js';
import { formatHtml } from './html.js';
import { writeJson } from './json.js';
import type { LadderData } from './ladder.js';
import { formatJunit } from './junit.js';
import { formatMarkdown } from './markdown.js';
import type { Style } from './style.js';
import { writeTable } from './table.js';
import type { RuleKind } from '../rules/define.js';

export interface ReportOptions {
  /** Terminal styling; only the table uses it, and only when it goes to a terminal. */
  style: Style;
  allFlows: boolean;
  timeline: boolean;
  /** The rules that ran (JUnit lists every address rule as a testcase, passing or not). */
  rules: readonly { id: string; kind: RuleKind }[];
  gate: GateOptions;
  gateResult: GateResult;
  /** Frames of the failing flows for the HTML ladders (collected only when html is asked for). */
  ladders?: LadderData;
}

/**
 * Writes the report through `write`, in one piece or several (the table streams its rows, the
 * JSON its flows and findings), so a long report goes out as it is made instead of being held
 * whole.
 */
export type Reporter = (result: CheckResult, options: ReportOptions, write: (text: string) => void) => void;

/** Gate lines only when the user set a gate beyond the default, whose verdict the table already shows. */
function tableReporter(result: CheckResult, options: ReportOptions, write: (text: string) => void): void {
  writeTable(result, { style: options.style, allFlows: options.allFlows, timeline: options.timeline }, (line) => write(`${line}\n`));
  if (isDefaultGate(options.gate)) return;
  const s = options.style;
  const head = options.gateResult.status === 0 ? s.green('CI gate: passed') : s.red(s.bold('CI gate: FAILED'));
  write(`${head} (exit ${options.gateResult.status})\n${options.gateResult.reasons.map((r) => `  ${r}\n`).join('')}`);
}

export const reporters = {
  table: tableReporter,
  json: (result, _options, write) => writeJson(result, write),
  junit: (result, options, write) => write(formatJunit(result, { rules: options.rules, gate: options.gate })),
  markdown: (result, options, write) => write(formatMarkdown(result, { gate: options.gate, gateResult: options.gateResult })),
  html: (result, options, write) => write(formatHtml(result, options.ladders ? { ladders: options.ladders } : {})),
} as const satisfies Record<string, Reporter>;

export type FormatName = keyof typeof reporters;
export const FORMATS = Object.keys(reporters) as FormatName[];

export function isFormat(name: string): name is FormatName {
  return Object.prototype.hasOwnProperty.call(reporters, name);
}
