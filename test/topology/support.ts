// Shared by the topology-input tests (config, given, ipvsadm).
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { UsageError } from '../../src/topology/usage-error.js';

/** A file of test/topology/samples as text. */
export const sample = (name: string): string => readFileSync(new URL(`./samples/${name}`, import.meta.url), 'utf8');

/** The message of the UsageError `fn` throws; fails the test when it throws nothing or something else. */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}
