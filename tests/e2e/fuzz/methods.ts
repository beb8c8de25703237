/**
 * Every method object the protocol exports, found by walking its modules — so a method added to
 * `@flint/protocol` is fuzzed without anyone listing it.
 * @module
 */
import * as protocol from '@flint/protocol';
import type { MethodSpec } from '@flint/protocol';

function isMethod(value: unknown): value is MethodSpec {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<MethodSpec>;
  return typeof v.id === 'string' && typeof v.verb === 'string' && typeof v.path === 'string' && typeof v.status === 'number' && typeof v.auth === 'string';
}

function isModule(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.prototype.toString.call(value) === '[object Module]';
}

export function protocolMethods(): MethodSpec[] {
  const found = new Map<string, MethodSpec>();
  const walk = (ns: Record<string, unknown>) => {
    for (const value of Object.values(ns)) {
      if (isMethod(value)) found.set(value.id, value);
      else if (isModule(value)) walk(value);
    }
  };
  walk(protocol);
  return [...found.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
}
