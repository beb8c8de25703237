/**
 * SPEC CP-2 (issue 19): `flint compliance export`, a real process signed in as the officer, writes
 * the seeded org as a zip — JSON or CSV, every message, edit, deletion and file (byte-identical),
 * nothing of another org — with a progress bar; killed with SIGKILL mid-export and run again, it
 * resumes and the zip holds everything exactly once. Someone who is not an officer is refused.
 * Runs on SQLite, or on PostgreSQL when FLINT_TEST_DATABASE_URL is set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import { grantKmsOfficer } from '@flint/kms';
import { FLINT_BIN, TEST_PASSWORD, startFlint, type TestFlint } from '@flint/testkit';
import { seedOrg, type Seed } from './compliance-seed.ts';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function exportRun(args: string[], password = TEST_PASSWORD): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [FLINT_BIN, 'compliance', 'export', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(`${password}\n`);
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done };
}

describe('flint compliance export (CP-2)', () => {
  let flint: TestFlint;
  let seed: Seed;
  let dir = '';
  const officer = (out: string, extra: string[] = []) => ['--url', flint.url, '--org', 'acme.test', '--out', out, '--email', 'carol@acme.test', '--password-stdin', ...extra];

  before(async () => {
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open' } });
    seed = await seedOrg(flint);
    const carolId = seed.plain['carol']!.session!.personId;
    await seed.plain['alice']!.people.update(carolId, { displayName: 'Carol Tester', roles: ['compliance_officer'] });
    await grantKmsOfficer({ dataDir: flint.config.kmsDataDir }, { orgId: seed.orgId, userId: carolId, label: 'carol@acme.test' });
    // As a browser's sign-in does: the KMS learns Carol's password credential, so a new device (the
    // CLI's) enrolls with her password.
    await seed.secure['carol']!.updateKmsPassword(TEST_PASSWORD);
    dir = await mkdtemp(join(tmpdir(), 'flint-compliance-export-'));
  });

  after(async () => {
    for (const s of Object.values(seed?.secure ?? {})) s.close();
    await flint?.stop();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  function checkFiles(zip: Record<string, Uint8Array>): void {
    const files = Object.keys(zip).filter((p) => p.startsWith('files/'));
    assert.equal(files.length, 1);
    assert.ok(files[0]!.endsWith(`/${seed.file.name}`));
    assert.equal(createHash('sha256').update(zip[files[0]!]!).digest('hex'), seed.file.sha256, 'byte-identical');
  }

  it('as JSON: every message, edit, deletion and file of the org, nothing of another, with progress', async () => {
    const out = join(dir, 'acme.zip');
    const run = await exportRun(officer(out)).done;
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Wrote .*acme\.zip: 2 spaces, \d+ memberships, 5 messages, \d+ events, 1 files\./);
    assert.match(run.stderr, /files/);
    await assert.rejects(stat(`${out}.partial`), 'the staging folder is gone');
    const zip = unzipSync(new Uint8Array(await readFile(out)));
    const json = <T>(name: string) => JSON.parse(strFromU8(zip[name]!)) as T;
    const messages = json<{ id: string; text: string; roomId: string }[]>('messages.json');
    assert.deepEqual(messages.map((m) => m.text).sort(), [...seed.liveMessages].sort());
    const events = json<{ resource: string; type: string; text: string | null; messageId: string | null }[]>('events.json');
    for (const t of seed.createdTexts) assert.ok(events.some((e) => e.resource === 'messages' && e.type === 'created' && e.text === t), t);
    assert.ok(events.some((e) => e.type === 'updated' && e.text === seed.editedText));
    assert.ok(events.some((e) => e.type === 'deleted' && e.messageId === seed.deletedMessageId));
    const spaces = json<{ id: string; title: string | null }[]>('spaces.json');
    assert.deepEqual(spaces.map((s) => s.id).sort(), [...seed.orgRoomIds].sort());
    const text = Object.values(zip).map((b) => strFromU8(b, true)).join('\n');
    for (const foreign of ['other org hotel', 'Other org india', seed.otherRoomId]) assert.ok(!text.includes(foreign), foreign);
    checkFiles(zip);
    assert.equal(json<{ counts: { messages: number } }>('manifest.json').counts.messages, 5);
  });

  it('as CSV (csv-stringify), and filtered by keywords through the blinded index', async () => {
    const out = join(dir, 'acme-csv.zip');
    const run = await exportRun(officer(out, ['--format', 'csv'])).done;
    assert.equal(run.code, 0, run.stderr);
    const zip = unzipSync(new Uint8Array(await readFile(out)));
    const csv = strFromU8(zip['messages.csv']!);
    const lines = csv.trim().split('\n');
    assert.equal(lines[0], 'id,roomId,parentId,personId,personEmail,created,updated,text,markdown,html,fileIds,decryptError');
    assert.equal(lines.length, 1 + seed.liveMessages.length);
    for (const t of seed.liveMessages) assert.ok(csv.includes(t), t);
    const events = strFromU8(zip['events.csv']!);
    assert.ok(events.includes(seed.editedText) && events.includes('draft charlie') && events.includes(seed.deletedMessageId));
    checkFiles(zip);

    const only = join(dir, 'kilo.zip');
    const filtered = await exportRun(officer(only, ['--keywords', seed.keyword])).done;
    assert.equal(filtered.code, 0, filtered.stderr);
    const kilo = unzipSync(new Uint8Array(await readFile(only)));
    const messages = JSON.parse(strFromU8(kilo['messages.json']!)) as { id: string }[];
    assert.deepEqual(messages.map((m) => m.id), [seed.keywordMessageId]);
    checkFiles(kilo);
  });

  it('killed with SIGKILL mid-export, run again: resumes, and the zip holds everything exactly once', async () => {
    const out = join(dir, 'resumed.zip');
    const args = officer(out, ['--page-size', '1']);
    const first = exportRun(args);
    // Kill it once it has saved its place in the messages.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const state = await readFile(join(`${out}.partial`, 'state.json'), 'utf8').then((t) => JSON.parse(t) as { sections: Record<string, { cursor?: string; done: boolean }> }, () => undefined);
      if (state !== undefined && (state.sections['messages']!.cursor !== undefined || state.sections['messages']!.done)) break;
      if (Date.now() > deadline) assert.fail('the export never got to the messages');
      await new Promise((r) => setTimeout(r, 20));
    }
    first.child.kill('SIGKILL');
    await first.done;
    await stat(`${out}.partial`);
    await assert.rejects(stat(out), 'no zip yet');
    const second = await exportRun(args).done;
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^Resumed and wrote /);
    const zip = unzipSync(new Uint8Array(await readFile(out)));
    for (const name of ['messages.json', 'events.json', 'spaces.json', 'memberships.json', 'files.json']) {
      const ids = (JSON.parse(strFromU8(zip[name]!)) as { id?: string; fileId?: string }[]).map((r) => r.id ?? r.fileId);
      assert.equal(new Set(ids).size, ids.length, `${name}: no duplicates`);
    }
    const messages = JSON.parse(strFromU8(zip['messages.json']!)) as { text: string }[];
    assert.deepEqual(messages.map((m) => m.text).sort(), [...seed.liveMessages].sort());
    checkFiles(zip);
  });

  it('refuses someone who is not a compliance officer, and a wrong password, writing nothing', async () => {
    const out = join(dir, 'nope.zip');
    const bob = await exportRun(['--url', flint.url, '--org', 'acme.test', '--out', out, '--email', 'bob@acme.test', '--password-stdin']).done;
    assert.equal(bob.code, 1);
    assert.match(bob.stderr, /not a compliance officer/);
    const wrong = await exportRun(officer(out), 'not the password').done;
    assert.equal(wrong.code, 1);
    await assert.rejects(stat(out));
    await assert.rejects(stat(`${out}.partial`));
  });
});
