/**
 * The peer side by side (issue 9 part 6): ejabberd with MUC + mod_mam on SQLite, driven with
 * @xmpp/client through the fan-out workload. Not built yet: this part only records that.
 * @module
 */
export function ejabberd(): Promise<{ json: Record<string, unknown>; markdown: string }> {
  const markdown = [
    '## Peer side by side: ejabberd (not yet done)',
    '',
    'Issue 9 part 6 — ejabberd (Debian package, `erlang-p1-sqlite3`) with multi-user chat and mod_mam on SQL/SQLite, traffic shaper off, driven with `@xmpp/client` through the same workload as fan-out, Flint/ejabberd ratios of throughput and p99 — **is not yet done**. `npm run bench ejabberd` only rewrites this note.',
    '',
  ].join('\n');
  return Promise.resolve({ json: { part: 'ejabberd', done: false }, markdown });
}
