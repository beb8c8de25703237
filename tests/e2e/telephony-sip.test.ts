/**
 * SIP phones through the SIP engine (SPEC CL-6, CL-5, SEC-4), on loopback: `flint serve`'s
 * composition starts Kamailio with its generated configuration; desk phones (sipp, scenarios in
 * tests/e2e/sip/) register with the credentials their one-time activation codes gave them, and
 * Kamailio checks each REGISTER and INVITE against what Flint issued. A phone calls another's
 * extension and the call is answered and hung up through the engine; a person without the
 * international class of service is refused (403); an emergency call reaches the trunk (sipp as
 * the provider) carrying the location's address; the trunk calls a DID and the person's phone
 * answers; credentials Flint did not issue are refused. The
 * status page reports the engine. Skipped, saying so, when kamailio or sipp is not installed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlintClient } from '@flint/sdk';
import type { SipCredentials } from '@flint/protocol';
import { errorOf, freePort, raw, startFlint, type TestFlint } from '@flint/testkit';

const SCENARIOS = join(import.meta.dirname, 'sip');
const kamailioInstalled = existsSync('/usr/sbin/kamailio') || spawnSync('kamailio', ['-v']).status === 0;
const sippInstalled = spawnSync('sipp', ['-v']).error === undefined;
const skip = !kamailioInstalled ? 'kamailio is not installed (apt-get install kamailio kamailio-utils-modules kamailio-json-modules)' : !sippInstalled ? 'sipp is not installed (apt-get install sip-tester)' : false;

interface Sipp {
  done: Promise<{ code: number | null; output: string }>;
}

/** Runs sipp with a scenario of tests/e2e/sip; resolves with its exit code (0: every call succeeded). */
function sipp(args: string[], cwd: string): Sipp {
  const child = spawn('sipp', [...args, '-i', '127.0.0.1', '-m', '1', '-timeout', '20s', '-timeout_error', '-nostdin'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
  child.stderr.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
  return { done: new Promise((resolve) => child.once('exit', (code) => resolve({ code, output }))) };
}

describe('SIP phones through Kamailio (CL-6)', { skip }, () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  let sipPort = 0;
  let trunkPort = 0;
  let work = '';
  const creds: Record<string, SipCredentials> = {};

  /** A phone's sipp run: its username in the injection file, its password for the digest. */
  async function phone(name: string, scenario: string, localPort: number, extra: string[] = []): Promise<Sipp> {
    const c = creds[name]!;
    const inf = join(work, `${name}.csv`);
    await writeFile(inf, `SEQUENTIAL\n${c.username};\n`);
    return sipp([`127.0.0.1:${sipPort}`, '-sf', join(SCENARIOS, scenario), '-inf', inf, '-au', c.username, '-ap', c.password, '-p', String(localPort), ...extra], work);
  }

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'flint-sip-'));
    sipPort = await freePort();
    trunkPort = await freePort();
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open', FLINT_SIP: 'auto', FLINT_SIP_PORT: String(sipPort), FLINT_SIP_TRUNK: `127.0.0.1:${trunkPort}`, FLINT_SIP_DOMAIN: 'flint.test' } });
    ada = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Admin' });
    bob = await flint.signup({ email: 'bob@example.com', displayName: 'Bob' });
    const location = await ada.telephony.createLocation({ name: 'HQ', timeZone: 'America/New_York', address: { address1: '1 Main St', city: 'New York', state: 'NY', postalCode: '10001', country: 'US' } });
    await ada.telephony.createRange({ first: '200', last: '299' });
    await ada.telephony.updatePerson(ada.session!.personId, { extension: '201', locationId: location.id, internationalCalling: 'allow' });
    await ada.telephony.updatePerson(bob.session!.personId, { extension: '202', locationId: location.id });
    const phones = { ada: { client: ada, mac: '00:11:22:33:44:01' }, bob: { client: bob, mac: '00:11:22:33:44:02' } };
    for (const [name, p] of Object.entries(phones)) {
      const { activationCode } = await ada.telephony.createDevice({ personId: p.client.session!.personId, mac: p.mac });
      // The wrong MAC address does not spend the code.
      const wrong = await raw(flint.url, 'POST', '/api/telephony/devices/activate', { body: { code: activationCode, mac: '00:11:22:33:44:ff' } });
      assert.equal(wrong.status, 403);
      creds[name] = await p.client.telephony.activateDevice({ code: activationCode, mac: p.mac });
      // Spent: once only.
      const again = await raw(flint.url, 'POST', '/api/telephony/devices/activate', { body: { code: activationCode, mac: p.mac } });
      assert.equal(again.status, 403, errorOf(again).message);
    }
  });
  after(async () => {
    await flint?.stop();
    if (work !== '') await rm(work, { recursive: true, force: true });
  });

  it('the configuration is generated under the data folder; the status page reports the engine', async () => {
    const cfg = await readFile(join(flint.server.core.config.dataDir, 'kamailio', 'kamailio.cfg'), 'utf8');
    assert.match(cfg, /^#!KAMAILIO\n# Generated by Flint/);
    assert.match(cfg, new RegExp(`listen=udp:127\\.0\\.0\\.1:${sipPort}`));
    assert.equal(creds['ada']!.registrar, `127.0.0.1:${sipPort}`);
    assert.equal(creds['ada']!.domain, 'flint.test');
    const health = await raw(flint.url, 'GET', '/api/admin/health', { token: ada.session!.accessToken });
    const sip = (health.json as { checks: { component: string; state: string }[] }).checks.find((c) => c.component === 'sip');
    assert.equal(sip?.state, 'ok');
  });

  it('a phone registered with activation-code credentials calls another phone’s extension', async () => {
    const bobPort = await freePort();
    const adaPort = await freePort();
    assert.equal((await (await phone('bob', 'register.xml', bobPort)).done).code, 0, 'Bob’s phone registers');
    const answering = sipp(['-sf', join(SCENARIOS, 'answer.xml'), '-p', String(bobPort)], work);
    assert.equal((await (await phone('ada', 'register.xml', adaPort)).done).code, 0, 'Ada’s phone registers');
    const call = await (await phone('ada', 'call.xml', adaPort, ['-s', '202'])).done;
    assert.equal(call.code, 0, call.output);
    const answered = await answering.done;
    assert.equal(answered.code, 0, answered.output);
  });

  it('credentials Flint did not issue are refused', async () => {
    creds['mallory'] = { username: 'flint0000000000', password: 'guessed', domain: 'flint.test', registrar: '' };
    const run = await (await phone('mallory', 'register-refused.xml', await freePort())).done;
    assert.equal(run.code, 0, run.output);
    creds['bob-wrong'] = { ...creds['bob']!, password: 'not-the-password' };
    // A wrong password is challenged again (401), never accepted: register.xml fails.
    const wrong = await (await phone('bob-wrong', 'register.xml', await freePort())).done;
    assert.notEqual(wrong.code, 0);
  });

  it('an international call from a person without the class of service is refused with 403', async () => {
    const run = await (await phone('bob', 'call-refused.xml', await freePort(), ['-s', '+33142000000'])).done;
    assert.equal(run.code, 0, run.output);
  });

  it('the PSTN trunk calls a DID mapped to a person: their phone rings and answers', async () => {
    const number = await ada.telephony.addNumber({ phoneNumber: '+14155550102', locationId: (await ada.telephony.locations())[0]!.id });
    await ada.telephony.assignNumber(number.id, { type: 'PEOPLE', id: bob.session!.personId });
    const bobPort = await freePort();
    assert.equal((await (await phone('bob', 'register.xml', bobPort)).done).code, 0, 'Bob’s phone registers');
    const answering = sipp(['-sf', join(SCENARIOS, 'answer.xml'), '-p', String(bobPort)], work);
    const inf = join(work, 'trunk.csv');
    await writeFile(inf, 'SEQUENTIAL\n+33142000000;\n');
    const call = await sipp([`127.0.0.1:${sipPort}`, '-sf', join(SCENARIOS, 'trunk-call.xml'), '-inf', inf, '-s', '+14155550102', '-p', String(trunkPort)], work).done;
    assert.equal(call.code, 0, call.output);
    const answered = await answering.done;
    assert.equal(answered.code, 0, answered.output);
    // An unknown number from the trunk: 404, nothing rings.
    await writeFile(join(work, 'refused-trunk.xml'), (await readFile(join(SCENARIOS, 'trunk-call.xml'), 'utf8')).split('  <recv response="100" optional="true" />')[0] + '  <recv response="100" optional="true" />\n  <recv response="404" />\n</scenario>\n');
    const unknown = await sipp([`127.0.0.1:${sipPort}`, '-sf', join(work, 'refused-trunk.xml'), '-inf', inf, '-s', '+14155550199', '-p', String(trunkPort)], work).done;
    assert.equal(unknown.code, 0, unknown.output);
  });

  it('an emergency call reaches the trunk carrying the location’s address', async () => {
    const trace = join(work, 'trunk-messages.log');
    const trunk = sipp(['-sf', join(SCENARIOS, 'trunk-emergency.xml'), '-p', String(trunkPort), '-trace_msg', '-message_file', trace], work);
    const call = await (await phone('bob', 'call.xml', await freePort(), ['-s', '911'])).done;
    const answered = await trunk.done;
    assert.equal(answered.code, 0, answered.output);
    assert.equal(call.code, 0, call.output);
    const messages = await readFile(trace, 'utf8');
    assert.match(messages, /INVITE sip:911@127\.0\.0\.1:\d+ SIP\/2\.0/);
    assert.match(messages, /X-Flint-Emergency-Address: 1 Main St, New York, NY, 10001, US\r?\n/);
  });
});
