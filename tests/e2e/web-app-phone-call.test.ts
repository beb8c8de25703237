/**
 * A PSTN call answered in the browser (SPEC CL-4), in Chromium with fake devices: the trunk (sipp)
 * calls the company number; the core's SIP user agent answers with the auto attendant's greeting;
 * the caller presses 1 (RFC 4733); the Sales hunt group (UNIFORM) rings its longest-idle agent,
 * Bob, whose tab shows the incoming phone call — saying it is not end-to-end encrypted — and he
 * answers. rtpengine bridges his WebRTC (ICE, DTLS-SRTP) to the call's plain RTP: his browser
 * receives the caller's audio (getStats: inbound audio packets), and the trunk receives his
 * (packets counted at the trunk's media socket). The caller hangs up and the tab's call ends.
 * Axe on the dialog. Runs inside `unshare -n` (loopback only). Skipped, saying so, when kamailio,
 * sipp, espeak-ng or rtpengine is missing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { newDeviceSecret, passwordCredential, type FlintClient } from '@flint/sdk';
import { assertAccessible, freePort, raw, IN_TEST_NETNS, launchChromium, PAGE_WAIT, runInTestNetns, signInPage, startFlint, TEST_PASSWORD, until, webDist, type TestFlint } from '@flint/testkit';

const SELF = fileURLToPath(import.meta.url);
const SCENARIOS = join(import.meta.dirname, 'sip');
const CHROMIUM_MEDIA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'];
const installed = (cmd: string, arg: string) => spawnSync(cmd, [arg]).error === undefined;
const skip = !(existsSync('/usr/sbin/kamailio') || installed('kamailio', '-v'))
  ? 'kamailio is not installed'
  : !installed('sipp', '-v') || !existsSync('/usr/share/sip-tester/dtmf_2833_1.pcap')
    ? 'sipp (sip-tester, with its pcap files) is not installed'
    : !installed('espeak-ng', '--version')
      ? 'espeak-ng is not installed'
      : !installed('rtpengine', '--version')
        ? 'rtpengine is not installed (apt-get install rtpengine-daemon)'
        : false;

/** Two seconds of a 440 Hz tone in µ-law (G.711), what the trunk streams as the caller's voice. */
function toneUlaw(): Buffer {
  const out = Buffer.alloc(16000);
  for (let i = 0; i < out.length; i++) {
    let s = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000));
    const sign = s < 0 ? 0x80 : 0;
    s = Math.min(Math.abs(s), 32635) + 0x84;
    let exponent = 7;
    for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
    out[i] = ~(sign | (exponent << 4) | ((s >> (exponent + 3)) & 0x0f)) & 0xff;
  }
  return out;
}

if (!IN_TEST_NETNS) {
  describe('web app: a phone call answered in the browser (Chromium)', { skip }, () => {
    it('runs in a private network namespace (unshare -n, loopback only)', () => {
      runInTestNetns(SELF, 'loopback');
    });
  });
} else {
  describe('web app: a phone call answered in the browser (Chromium, in a private network namespace)', () => {
    let flint: TestFlint;
    let browser: Browser;
    let bob: Page;
    let ada: FlintClient;
    let people: Record<'bob' | 'carol', FlintClient>;
    let sipPort = 0;
    let trunkPort = 0;
    let work = '';
    let trunkMedia: Socket | undefined;

    before(async () => {
      work = await mkdtemp(join(tmpdir(), 'flint-phone-call-'));
      mkdirSync(work, { recursive: true });
      sipPort = await freePort();
      trunkPort = await freePort();
      flint = await startFlint({
        webRoot: webDist(),
        env: { FLINT_SIGNUP: 'open', FLINT_SIP: 'auto', FLINT_RTPENGINE: 'auto', FLINT_SIP_PORT: String(sipPort), FLINT_SIP_TRUNK: `127.0.0.1:${trunkPort}`, FLINT_SIP_DOMAIN: 'flint.test' },
      });
      ada = await flint.signup({ email: 'ada@phone.test', displayName: 'Ada Admin' });
      people = { bob: await flint.signup({ email: 'bob@phone.test', displayName: 'Bob Agent' }), carol: await flint.signup({ email: 'carol@phone.test', displayName: 'Carol Agent' }) };
      (await flint.connect(people.bob, { deviceId: 'bob-node', kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, people.bob.session!.personId) } })).close();
      const location = await ada.telephony.createLocation({ name: 'HQ', timeZone: 'America/New_York', address: { address1: '1 Main St', city: 'New York', state: 'NY', postalCode: '10001', country: 'US' } });
      await ada.telephony.createRange({ first: '200', last: '299' });
      await ada.telephony.updatePerson(people.bob.session!.personId, { extension: '202', locationId: location.id });
      await ada.telephony.updatePerson(people.carol.session!.personId, { extension: '203', locationId: location.id });
      const sales = await ada.telephony.createHuntGroup({ name: 'Sales', locationId: location.id, extension: '250', policy: 'UNIFORM', agents: [{ personId: people.carol.session!.personId }, { personId: people.bob.session!.personId }] });
      // Carol's last call ended a minute ago; Bob has never been called: he is the longest idle.
      await flint.server.core.db.updateTable('telephony_hunt_agents').set({ idle_since: Date.now() - 60_000 }).where('group_id', '=', sales.id).where('person_id', '=', people.carol.session!.personId).execute();
      const main = await ada.telephony.createAttendant({
        name: 'Main',
        locationId: location.id,
        businessHoursMenu: { greeting: 'Welcome to Example. For sales, press 1.', extensionEnabled: true, keys: [{ key: '1', action: 'TRANSFER', destination: '250' }] },
        afterHoursMenu: { extensionEnabled: false, keys: [] },
      });
      const company = await ada.telephony.addNumber({ phoneNumber: '+14155550100', locationId: location.id });
      await ada.telephony.assignNumber(company.id, { type: 'AUTO_ATTENDANT', id: main.id });
      browser = await launchChromium({ args: CHROMIUM_MEDIA });
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
      // The test's own window on the tab's connections (getStats), not the app's.
      await context.addInitScript(() => {
        const Native = window.RTCPeerConnection;
        const seen: RTCPeerConnection[] = [];
        (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = seen;
        window.RTCPeerConnection = class extends Native {
          constructor(config?: RTCConfiguration) {
            super(config);
            seen.push(this);
          }
        };
      });
      bob = await context.newPage();
      bob.on('pageerror', (e) => console.log(`[bob pageerror] ${e.message}`));
      await signInPage(bob, flint.url, 'bob@phone.test');
    });
    after(async () => {
      trunkMedia?.close();
      await browser?.close();
      await flint?.stop();
      if (work !== '') await rm(work, { recursive: true, force: true });
    });

    it('the attendant passes the caller to the longest-idle agent, whose browser rings, answers, and talks both ways', { timeout: 120_000 }, async () => {
      const health = await raw(flint.url, 'GET', '/api/admin/health', { token: ada.session!.accessToken });
      assert.equal((health.json as { checks: { component: string; state: string }[] }).checks.find((c) => c.component === 'rtpengine')?.state, 'ok', 'the status page reports the media relay');
      trunkMedia = createSocket('udp4');
      let toCaller = 0;
      trunkMedia.on('message', (msg) => {
        if (msg.length >= 12 && (msg[1]! & 0x7f) === 0) toCaller++;
      });
      await new Promise<void>((resolve) => trunkMedia!.bind(0, '127.0.0.1', () => resolve()));
      await writeFile(join(work, 'tone.ulaw'), toneUlaw());
      await writeFile(join(work, 'trunk.csv'), `SEQUENTIAL\n+33142000000;${trunkMedia.address().port};\n`);
      const child = spawn('sipp', [`127.0.0.1:${sipPort}`, '-sf', join(SCENARIOS, 'trunk-attendant-browser.xml'), '-inf', join(work, 'trunk.csv'), '-s', '+14155550100', '-p', String(trunkPort), '-mp', String(await freePort()), '-i', '127.0.0.1', '-m', '1', '-timeout', '40s', '-timeout_error', '-nostdin'], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
      child.stderr.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
      const call = new Promise<number | null>((resolve) => child.once('exit', resolve));

      const dialog = bob.getByRole('dialog', { name: 'Incoming phone call' });
      await dialog.waitFor({ timeout: 15_000 });
      assert.match(await dialog.innerText(), /Phone call from \+33142000000/);
      assert.match(await dialog.innerText(), /Not end-to-end encrypted/);
      await assertAccessible(bob, 'the incoming phone call');
      const greetingPackets = toCaller;
      assert.ok(greetingPackets >= 25, `the greeting reached the trunk (${greetingPackets} packets)`);
      await dialog.getByRole('button', { name: 'Answer' }).click();
      await bob.getByTestId('phone-call-active').waitFor(PAGE_WAIT);
      const atAnswer = toCaller;
      const inbound = () =>
        bob.evaluate(async () => {
          const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
          let packets = 0;
          for (const pc of pcs) (await pc.getStats()).forEach((s: { type: string; kind?: string; packetsReceived?: number }) => (s.type === 'inbound-rtp' && s.kind === 'audio' ? (packets += s.packetsReceived ?? 0) : undefined));
          return packets;
        });
      await until('the browser receives the caller’s audio', async () => ((await inbound()) >= 100 ? true : undefined), 15_000);
      await until('the trunk receives the browser’s audio', async () => (toCaller - atAnswer >= 100 ? true : undefined), 15_000);
      // The caller hangs up: the tab's call ends.
      assert.equal(await call, 0, output);
      await bob.getByTestId('phone-call-active').waitFor({ state: 'detached', ...PAGE_WAIT });
    });
  });
}
