/**
 * Simulcast and last-N in a real Chromium through a real Janus (SPEC MT-1/MT-2, docs/meetings.md
 * "Simulcast and last-N"): Bob and Cy send their cameras as three VP8 layers, end-to-end encrypted;
 * Ada asks the core (never Janus) for the speaker layout with Bob pinned and gets Bob's high layer
 * and Cy's low one (the decoded pictures' widths and the bit rates say so), then pins Cy and the
 * layers swap. With "videos at most" set to 1, Ada receives only the video of whoever the media
 * server heard talking last (Janus's audio-level events, relayed by the core as `meeting.speakers`):
 * Bob talks while Cy is muted, then the other way round, and Ada's video follows. Each tile shows a
 * network quality indicator from getStats.
 *
 * The fake microphone plays a continuous tone (a WAV written here), so that Janus's averaged
 * audio level counts as talking; muting is silence. Runs in its own network namespace, as the other
 * meetings tests do (Janus offers no candidate on a loopback interface).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { newDeviceSecret, passwordCredential } from '@flint/sdk';
import { launchChromium, openSpacePage, PAGE_WAIT, signInPage, startFlint, TEST_PASSWORD, until, webDist, type TestFlint, IN_TEST_NETNS, runInTestNetns } from '@flint/testkit';

const SELF = fileURLToPath(import.meta.url);
const janusInstalled = String(spawnSync('janus', ['-V']).stdout ?? '').includes('Janus version');
const LONG = { timeout: 300_000 } as const;
/** Clicks on a loaded machine (other browsers' tests share its 2 cores): generous. */
const SLOW = { timeout: 90_000 } as const;

/** A 16-bit mono WAV of a steady 440 Hz tone at about -10 dBFS: a microphone that never pauses. */
export function toneWav(seconds = 2, rate = 48_000): Buffer {
  const samples = seconds * rate;
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) wav.writeInt16LE(Math.round(10_000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return wav;
}

interface TileVideo {
  frames: number;
  width: number;
}

/** Each remote tile's frames rendered so far and picture width, by participant id. */
async function tiles(page: Page): Promise<Record<string, TileVideo>> {
  return page.evaluate(() => {
    const out: Record<string, { frames: number; width: number }> = {};
    for (const tile of document.querySelectorAll<HTMLElement>('.meeting-tile:not(.self)')) {
      const video = tile.querySelector('video');
      if (video !== null) out[tile.dataset['participant']!] = { frames: video.getVideoPlaybackQuality().totalVideoFrames, width: video.videoWidth };
    }
    return out;
  });
}

/** Frames rendered per participant over `ms`. */
async function framesOver(page: Page, ms: number): Promise<Record<string, number>> {
  const before = await tiles(page);
  await page.waitForTimeout(ms);
  const after = await tiles(page);
  return Object.fromEntries(Object.keys(after).map((id) => [id, after[id]!.frames - (before[id]?.frames ?? 0)]));
}

const waitFor = (what: string, check: () => Promise<boolean>, ms = 30_000) => until(what, async () => ((await check()) ? true : undefined), ms);

if (!janusInstalled) {
  describe('web app: simulcast and last-N (Chromium + Janus)', () => {
    it('needs Janus', { skip: 'janus is not installed (apt-get install -y --no-install-recommends janus)' }, () => undefined);
  });
} else if (!IN_TEST_NETNS) {
  describe('web app: simulcast and last-N (Chromium + Janus)', () => {
    it('runs in a private network namespace (unshare -n, a veth with 127.0.0.2 for Janus)', () => {
      runInTestNetns(SELF, 'janus');
    });
  });
} else {
  describe('web app: simulcast and last-N (Chromium + Janus, in a private network namespace)', () => {
    let flint: TestFlint;
    let browser: Browser;
    const pages = {} as Record<'ada' | 'bob' | 'cy', Page>;
    const ids = {} as Record<'ada' | 'bob' | 'cy', string>;

    before(async () => {
      flint = await startFlint({ webRoot: webDist(), env: { FLINT_JANUS: 'auto', FLINT_JANUS_ICE_INTERFACES: 'veth0' } });
      assert.ok(flint.server.core.media !== undefined, `Janus did not start:\n${flint.logText().slice(-3000)}`);
      const tone = join(mkdtempSync(join(tmpdir(), 'flint-tone-')), 'tone.wav');
      writeFileSync(tone, toneWav());
      browser = await launchChromium({
        args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-audio-capture=${tone}`, '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'],
      });
      const people = {
        ada: await flint.signup({ email: 'ada@layers.test', displayName: 'Ada Lovelace' }),
        bob: await flint.signup({ email: 'bob@layers.test', displayName: 'Bob Babbage' }),
        cy: await flint.signup({ email: 'cy@layers.test', displayName: 'Cy Shannon' }),
      };
      const sessions = [];
      for (const [who, api] of Object.entries(people)) {
        sessions.push(await flint.connect(api, { deviceId: `${who}-node`, kmsCredential: { device: newDeviceSecret(), password: await passwordCredential(TEST_PASSWORD, api.session!.personId) } }));
      }
      const roomId = (await sessions[0]!.spaces.create({ title: 'Layers' })).id;
      for (const who of ['bob', 'cy']) await sessions[0]!.members.add(roomId, { personEmail: `${who}@layers.test` });
      for (const session of sessions.slice(1)) session.close();
      for (const who of ['ada', 'bob', 'cy'] as const) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
        pages[who] = await context.newPage();
        pages[who].on('pageerror', (e) => console.log(`[${who} pageerror] ${e.message}`));
        pages[who].on('response', (r) => r.status() >= 400 && console.log(`[${who} http] ${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`));
        await signInPage(pages[who], flint.url, `${who}@layers.test`);
        await openSpacePage(pages[who], roomId);
      }
      // Ada first; Bob and Cy once the meeting is on.
      for (const [who, count] of [['ada', 0], ['bob', 1], ['cy', 2]] as const) {
        const page = pages[who];
        if (count > 0) await page.getByText(`Meeting on: ${count} ${count === 1 ? 'person' : 'people'}`).waitFor(SLOW);
        await page.getByRole('button', { name: count === 0 ? 'Start meeting' : 'Join meeting' }).click(SLOW);
        await page.getByRole('button', { name: 'Join now' }).click(SLOW);
      }
      for (const page of Object.values(pages)) await page.getByText('Meeting on: 3 people').first().waitFor(SLOW);
      const meeting = (await sessions[0]!.meetings.current(roomId)).meeting!;
      for (const p of meeting.participants) ids[p.displayName.startsWith('Ada') ? 'ada' : p.displayName.startsWith('Bob') ? 'bob' : 'cy'] = p.id;
      sessions[0]!.close();
      let seen: Record<string, TileVideo> = {};
      await waitFor(
        'Ada receives Bob’s and Cy’s video',
        async () => {
          seen = await tiles(pages.ada);
          return Object.values(seen).filter((t) => t.frames > 0).length === 2;
        },
        150_000,
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}: ${JSON.stringify(seen)}`);
      });
    });

    after(async () => {
      for (const line of (flint?.logText() ?? '').split('\n')) if (/"level":(4|5)\d/.test(line)) console.log(`[server] ${line.slice(0, 600)}`);
      await browser?.close();
      await flint?.stop();
    });

    it('a receiver gets the high layer of the one it pinned and the low layer of the others, and the layers swap with the pin', LONG, async () => {
      const ada = pages.ada;
      await ada.getByRole('button', { name: 'Active speaker' }).click(SLOW);
      for (const [big, small] of [['bob', 'cy'], ['cy', 'bob']] as const) {
        await ada.getByRole('button', { name: `Pin ${big === 'bob' ? 'Bob Babbage' : 'Cy Shannon'}` }).click(SLOW);
        let seen: Record<string, TileVideo> = {};
        await waitFor(
          `Ada decodes ${big}’s high layer and ${small}’s low one`,
          async () => {
            seen = await tiles(ada);
            const high = seen[ids[big]]?.width ?? 0;
            const low = seen[ids[small]]?.width ?? 0;
            return low > 0 && high >= 2 * low;
          },
          45_000,
        ).catch((error: unknown) => {
          throw new Error(`${(error as Error).message}: ${JSON.stringify(seen)}`);
        });
        // The bit rates from getStats (the quality sampler's) agree: the high layer costs more.
        await waitFor(`${big}’s bit rate is above ${small}’s`, async () => {
          const kbps = async (who: 'bob' | 'cy') => Number(await ada.locator(`[data-participant="${ids[who]}"]`).first().getAttribute('data-kbps'));
          return (await kbps(big)) > (await kbps(small));
        });
        const frames = await framesOver(ada, 3000);
        // Conditions, not rates: a loaded machine decodes the low layer at a frame or two a second.
        for (const who of ['bob', 'cy'] as const) assert.ok(frames[ids[who]]! >= 1, `Ada still decodes ${who} (${frames[ids[who]]} frames in 3 s)`);
      }
      await ada.getByRole('button', { name: 'Unpin Cy Shannon' }).click(SLOW);
      await ada.getByRole('button', { name: 'Grid' }).click(SLOW);
    });

    it('with one video at most, a receiver gets only the video of whoever talked last, and it follows the speaker', LONG, async () => {
      const { ada } = pages;
      await ada.getByLabel('Videos at most').selectOption('1', SLOW);
      for (const [talker, silent] of [['bob', 'cy'], ['cy', 'bob']] as const) {
        const mute = pages[silent].getByRole('button', { name: 'Mute', exact: true });
        if (await mute.isVisible()) await mute.click(SLOW);
        const unmute = pages[talker].getByRole('button', { name: 'Unmute', exact: true });
        if (await unmute.isVisible()) await unmute.click(SLOW);
        let frames: Record<string, number> = {};
        await waitFor(
          `Ada receives ${talker}’s video only`,
          async () => {
            frames = await framesOver(ada, 2000);
            return (frames[ids[talker]] ?? 0) >= 1 && (frames[ids[silent]] ?? 0) === 0;
          },
          90_000,
        ).catch((error: unknown) => {
          const changes = flint.logText().split('\n').filter((l) => l.includes('meeting speakers changed'));
          throw new Error(`${(error as Error).message}: frames in 2 s ${JSON.stringify(frames)}; speaker changes the core saw: ${changes.length} (${changes.slice(-4).join(' | ').slice(0, 800)})`);
        });
        // The paused tile says why rather than freezing silently.
        await ada.locator(`[data-participant="${ids[silent]}"]`).getByText('video paused').waitFor(PAGE_WAIT);
      }
      // Every tile carries the quality indicator.
      assert.ok((await ada.getByRole('img', { name: /^Connection: (good|fair|poor)$/ }).count()) >= 2);
    });
  });
}
