import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { CHROMIUM, launchChromium } from './browser.ts';

function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

describe('the browser tests\' outbound guard', { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}` }, () => {
  it('sends a request for another host to the guard, and loopback requests straight to loopback', async () => {
    // A stand-in guard that records what reaches it (the real one is a closed port).
    const reached: string[] = [];
    const guard = createServer((socket) => {
      socket.once('data', (chunk) => {
        reached.push(chunk.toString('latin1').split('\r\n')[0] ?? '');
        socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      });
    });
    const site = createHttpServer((_req, res) => res.end('<title>loopback</title>'));
    const [guardPort, sitePort] = [await listen(guard), await listen(site)];
    const browser = await launchChromium({ guardProxy: `http://127.0.0.1:${guardPort}` });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${sitePort}/`);
      assert.equal(await page.title(), 'loopback');
      // `.invalid` never resolves (RFC 6761): without the guard this fails in DNS, never on the wire.
      await page.goto('http://guard-check.invalid/path').catch(() => undefined);
      assert.ok(reached.includes('GET http://guard-check.invalid/path HTTP/1.1'), reached.join('\n'));
      // Chromium's own calls home (update and account checks, despite the flags that disable background
      // networking) land here too, which is why the guard exists; loopback never does.
      assert.ok(!reached.some((line) => /127\.0\.0\.1|localhost/.test(line)), reached.join('\n'));
    } finally {
      await browser.close();
      guard.close();
      site.close();
    }
  });
});
