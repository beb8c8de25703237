import fc from 'fast-check';
import { valid, invalid, invalidText, invalidParams } from '../tests/e2e/fuzz/schema-arbitrary.ts';
import { protocolMethods } from '../tests/e2e/fuzz/methods.ts';
for (const m of protocolMethods() as any[]) {
  const arbs: [string, any][] = [];
  for (const part of ['params', 'query', 'body']) if (m[part]) { arbs.push([part+':valid', valid(m[part], ['01a24d03-fa34-77f8-85d9-2876260e7d02'])]); arbs.push([part+':invalid', part === 'body' ? invalid(m[part], 'body') : part === 'params' ? invalidParams(m[part]) : invalidText(m[part])]); }
  for (const [name, arb] of arbs) {
    const t0 = Date.now();
    fc.sample(arb, { seed: 142026, numRuns: 12 });
    const ms = Date.now() - t0; if (ms > 100) console.log(m.id, name, ms);
  }
}
console.log('done');
