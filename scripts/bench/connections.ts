/**
 * Connections: many idle event-stream connections (SDK EventStream over `ws`), a few people with
 * many devices each; server resident memory per connection.
 * @module
 */
import { createSession, type EventStream } from '@flint/sdk';
import { NodeWebSocket } from '@flint/testkit';
import { createPeople, founder, machineLine, pool, round, rssKiB, sleep, table, withServer } from './common.ts';

export async function connections(): Promise<{ json: Record<string, unknown>; markdown: string }> {
  const target = Number(process.env['FLINT_BENCH_CONNECTIONS'] ?? 10_000);
  const peopleCount = Number(process.env['FLINT_BENCH_CONNECTION_PEOPLE'] ?? 100);
  const result = await withServer({ engine: 'sqlite' }, async (server) => {
    const admin = await founder(server.url);
    const people = [admin, ...(await createPeople(server.url, admin, peopleCount - 1, 'c', 8))];
    await sleep(3000);
    const baseKiB = await rssKiB(server.pid);
    const streams: EventStream[] = [];
    let failures = 0;
    let firstFailure: string | undefined;
    const t0 = performance.now();
    const deadline = Date.now() + 180_000;
    await pool(target, 64, async (i) => {
      if (Date.now() > deadline) return;
      const person = people[i % people.length]!;
      // One client per device, sharing the person's access token.
      const device = createSession({ baseUrl: server.url, auth: { token: person.client.transport.accessToken! } }).api;
      const stream = device.events({ WebSocket: NodeWebSocket, deviceId: `dev-${i}`, onEvent: () => undefined, maxBackoffMs: 60_000 });
      try {
        await Promise.race([stream.start(), sleep(20_000).then(() => Promise.reject(new Error('timed out waiting for ready')))]);
        streams.push(stream);
      } catch (error) {
        failures++;
        firstFailure ??= String(error);
        stream.stop();
      }
    });
    const connectSeconds = (performance.now() - t0) / 1000;
    console.log(`  ${streams.length} connected in ${round(connectSeconds)} s (${failures} failures)`);
    await sleep(10_000);
    const loadedKiB = await rssKiB(server.pid);
    const loadgenRssMiB = round(process.memoryUsage().rss / 2 ** 20);
    for (const s of streams) s.stop();
    await sleep(5000);
    const afterKiB = await rssKiB(server.pid);
    return {
      target,
      people: people.length,
      connected: streams.length,
      failures,
      firstFailure,
      connectSeconds: round(connectSeconds),
      baseRssMiB: round(baseKiB / 1024),
      loadedRssMiB: round(loadedKiB / 1024),
      afterCloseRssMiB: round(afterKiB / 1024),
      kibPerConnection: round((loadedKiB - baseKiB) / Math.max(1, streams.length), 1),
      loadgenRssMiB,
    };
  });
  const markdown = [
    `## Connections: ${result.connected} idle event-stream connections`,
    '',
    machineLine(),
    `Command: \`npm run bench connections\` (SQLite; ${result.people} people × ${Math.round(result.target / result.people)} devices each, one SDK \`EventStream\` per device over \`ws\`, 64 connecting at a time; memory read from /proc 10 s after the last connection).`,
    '',
    table(
      ['', 'value'],
      [
        ['connections open (asked for)', `${result.connected} (${result.target}), ${result.failures} failures`],
        ['time to open them all', `${result.connectSeconds} s`],
        ['server RSS before / with connections / 5 s after closing', `${result.baseRssMiB} / ${result.loadedRssMiB} / ${result.afterCloseRssMiB} MiB`],
        ['**server RSS per idle connection**', `**${result.kibPerConnection} KiB**`],
        ['load-generator RSS (client side, for scale)', `${result.loadgenRssMiB} MiB`],
      ],
    ),
    '',
  ].join('\n');
  return { json: { part: 'connections', ...result }, markdown };
}
