/**
 * The PSTN trunk reaches the company number's auto attendant (SPEC CL-4, CL-6), on loopback:
 * Kamailio hands the trunk's INVITE to the core's SIP user agent, which answers and plays the
 * menu's greeting (espeak-ng, 8 kHz µ-law RTP counted by a socket of the test that stands for the
 * trunk's media); the caller (sipp) presses 1 as RFC 4733 telephone events (a capture shipped
 * with sipp); the routing sends the call to the Sales hunt group (UNIFORM), whose longest-idle
 * agent's desk phone (sipp) rings and answers, and the two legs' audio is relayed both ways
 * (each side's packets counted at the other's socket). The agent's idle time then restarts.
 * Skipped, saying so, when kamailio, sipp or espeak-ng is not installed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlintClient } from '@flint/sdk';
import type { SipCredentials } from '@flint/protocol';
import { freePort, startFlint, type TestFlint } from '@flint/testkit';

const SCENARIOS = join(import.meta.dirname, 'sip');
const DTMF_1 = '/usr/share/sip-tester/dtmf_2833_1.pcap';
const kamailioInstalled = existsSync('/usr/sbin/kamailio') || spawnSync('kamailio', ['-v']).status === 0;
const sippInstalled = spawnSync('sipp', ['-v']).error === undefined && existsSync(DTMF_1);
const espeakInstalled = spawnSync('espeak-ng', ['--version']).error === undefined;
const skip = !kamailioInstalled ? 'kamailio is not installed' : !sippInstalled ? 'sipp (sip-tester, with its pcap files) is not installed' : !espeakInstalled ? 'espeak-ng is not installed' : false;

function sipp(args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  const child = spawn('sipp', [...args, '-i', '127.0.0.1', '-m', '1', '-timeout', '30s', '-timeout_error', '-nostdin'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
  child.stderr.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

/** A UDP socket standing for one side's media: counts RTP packets by payload type. */
async function mediaSink(): Promise<{ socket: Socket; port: number; counts: Map<number, number> }> {
  const socket = createSocket('udp4');
  const counts = new Map<number, number>();
  socket.on('message', (msg) => {
    if (msg.length >= 12 && msg[0]! >> 6 === 2) counts.set(msg[1]! & 0x7f, (counts.get(msg[1]! & 0x7f) ?? 0) + 1);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return { socket, port: socket.address().port, counts };
}

describe('the trunk calls the company number: auto attendant, keypad, hunt group (CL-4)', { skip }, () => {
  let flint: TestFlint;
  let ada: FlintClient;
  let bob: FlintClient;
  let carol: FlintClient;
  let sipPort = 0;
  let trunkPort = 0;
  let work = '';
  let groupId = '';
  let locationId = '';
  const creds: Record<string, SipCredentials> = {};

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'flint-attendant-'));
    sipPort = await freePort();
    trunkPort = await freePort();
    flint = await startFlint({ env: { FLINT_SIGNUP: 'open', FLINT_SIP: 'auto', FLINT_SIP_PORT: String(sipPort), FLINT_SIP_TRUNK: `127.0.0.1:${trunkPort}`, FLINT_SIP_DOMAIN: 'flint.test' } });
    ada = await flint.signup({ email: 'ada@example.com', displayName: 'Ada Admin' });
    bob = await flint.signup({ email: 'bob@example.com', displayName: 'Bob Agent' });
    carol = await flint.signup({ email: 'carol@example.com', displayName: 'Carol Agent' });
    const location = await ada.telephony.createLocation({ name: 'HQ', timeZone: 'America/New_York', address: { address1: '1 Main St', city: 'New York', state: 'NY', postalCode: '10001', country: 'US' } });
    locationId = location.id;
    await ada.telephony.createRange({ first: '200', last: '299' });
    await ada.telephony.updatePerson(ada.session!.personId, { extension: '201', locationId: location.id });
    await ada.telephony.updatePerson(bob.session!.personId, { extension: '202', locationId: location.id });
    await ada.telephony.updatePerson(carol.session!.personId, { extension: '203', locationId: location.id });
    const sales = await ada.telephony.createHuntGroup({ name: 'Sales', locationId: location.id, extension: '250', policy: 'UNIFORM', agents: [{ personId: carol.session!.personId }, { personId: bob.session!.personId }] });
    groupId = sales.id;
    // Carol took a call a minute ago, Bob an hour ago: Bob has been idle the longest.
    const now = Date.now();
    const db = flint.server.core.db;
    await db.updateTable('telephony_hunt_agents').set({ idle_since: now - 60_000 }).where('group_id', '=', groupId).where('person_id', '=', carol.session!.personId).execute();
    await db.updateTable('telephony_hunt_agents').set({ idle_since: now - 3_600_000 }).where('group_id', '=', groupId).where('person_id', '=', bob.session!.personId).execute();
    const main = await ada.telephony.createAttendant({
      name: 'Main',
      locationId: location.id,
      businessHoursMenu: { greeting: 'Welcome to Example. For sales, press 1.', extensionEnabled: true, keys: [{ key: '1', action: 'TRANSFER', destination: '250' }] },
      afterHoursMenu: { greeting: 'We are closed. To leave a message, press 1.', extensionEnabled: false, keys: [{ key: '1', action: 'VOICEMAIL', destination: '201' }] },
    });
    const company = await ada.telephony.addNumber({ phoneNumber: '+14155550100', locationId: location.id });
    await ada.telephony.assignNumber(company.id, { type: 'AUTO_ATTENDANT', id: main.id });
    await ada.telephony.updateSettings({ companyNumber: '+14155550100' });
    for (const [name, client, mac] of [['bob', bob, '00:11:22:33:44:02'], ['carol', carol, '00:11:22:33:44:03']] as const) {
      const { activationCode } = await ada.telephony.createDevice({ personId: client.session!.personId, mac });
      creds[name] = await client.telephony.activateDevice({ code: activationCode, mac });
    }
  });
  after(async () => {
    await flint?.stop();
    if (work !== '') await rm(work, { recursive: true, force: true });
  });

  /** Registers a person's phone (sipp) at a port of its own. */
  async function register(name: string, port: number): Promise<void> {
    const c = creds[name]!;
    const inf = join(work, `${name}.csv`);
    await writeFile(inf, `SEQUENTIAL\n${c.username};\n`);
    const run = await sipp([`127.0.0.1:${sipPort}`, '-sf', join(SCENARIOS, 'register.xml'), '-inf', inf, '-au', c.username, '-ap', c.password, '-p', String(port)], work);
    assert.equal(run.code, 0, run.output);
  }

  it('the attendant answers with its greeting, a key press rings the longest-idle agent, who talks with the caller', async (t) => {
    const bobPort = await freePort();
    const carolPort = await freePort();
    await register('bob', bobPort);
    await register('carol', carolPort);
    const trunkMedia = await mediaSink();
    const bobMedia = await mediaSink();
    try {
      await writeFile(join(work, 'agent.csv'), `SEQUENTIAL\n${bobMedia.port};\n`);
      const agent = sipp(['-sf', join(SCENARIOS, 'agent-answer.xml'), '-inf', join(work, 'agent.csv'), '-p', String(bobPort), '-mp', String(await freePort())], work);
      await writeFile(join(work, 'trunk.csv'), `SEQUENTIAL\n+33142000000;${trunkMedia.port};\n`);
      const before = Date.now();
      const call = await sipp([`127.0.0.1:${sipPort}`, '-sf', join(SCENARIOS, 'trunk-attendant.xml'), '-inf', join(work, 'trunk.csv'), '-s', '+14155550100', '-p', String(trunkPort), '-mp', String(await freePort())], work);
      assert.equal(call.code, 0, call.output);
      const answered = await agent;
      assert.equal(answered.code, 0, `Bob (the longest idle) answers: ${answered.output}`);
      // The greeting: 1.5 s before the key press at 50 packets a second (µ-law, payload type 0).
      const greeting = trunkMedia.counts.get(0) ?? 0;
      assert.ok(greeting >= 25, `greeting packets reached the trunk: ${greeting}`);
      // The agent's G.711 (A-law, payload type 8) relayed to the caller, and the caller's to the agent.
      const toCaller = trunkMedia.counts.get(8) ?? 0;
      const toAgent = bobMedia.counts.get(8) ?? 0;
      t.diagnostic(`greeting ${greeting} packets; agent → caller ${toCaller}; caller → agent ${toAgent}`);
      assert.ok(toCaller >= 50, `the agent’s audio reached the caller: ${toCaller} packets`);
      assert.ok(toAgent >= 50, `the caller’s audio reached the agent: ${toAgent} packets`);
      // Bob's idle time restarted when the call ended (UNIFORM: he is now the most recently busy).
      const row = await flint.server.core.db.selectFrom('telephony_hunt_agents').select('idle_since').where('group_id', '=', groupId).where('person_id', '=', bob.session!.personId).executeTakeFirstOrThrow();
      assert.ok(Number(row.idle_since) >= before, 'Bob’s idle time restarted');
    } finally {
      trunkMedia.socket.close();
      bobMedia.socket.close();
    }
  });

  it('on a holiday the after-hours menu answers, and its key for voicemail is taken as voicemail', async () => {
    // A holiday from yesterday to tomorrow in the location's zone (New York): closed now.
    const day = (offset: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' }).format(new Date(Date.now() + offset * 86_400_000));
    const holidays = await ada.telephony.createSchedule({ name: 'Holidays', type: 'holidays', locationId, events: [{ name: 'Closed', startDate: day(-1), endDate: day(1), allDayEnabled: true }] });
    const closed = await ada.telephony.createAttendant({
      name: 'Closed line',
      locationId,
      holidayScheduleId: holidays.id,
      businessHoursMenu: { greeting: 'Welcome. For sales, press 1.', extensionEnabled: false, keys: [{ key: '1', action: 'TRANSFER', destination: '250' }] },
      afterHoursMenu: { greeting: 'We are closed for the holiday. To leave a message, press 1.', extensionEnabled: false, keys: [{ key: '1', action: 'VOICEMAIL', destination: '201' }] },
    });
    const number = await ada.telephony.addNumber({ phoneNumber: '+14155550109', locationId });
    await ada.telephony.assignNumber(number.id, { type: 'AUTO_ATTENDANT', id: closed.id });
    const trunkMedia = await mediaSink();
    try {
      await writeFile(join(work, 'closed.csv'), `SEQUENTIAL\n+33142000000;${trunkMedia.port};\n`);
      const logged = flint.logs.length;
      const call = await sipp([`127.0.0.1:${sipPort}`, '-sf', join(SCENARIOS, 'trunk-attendant-closed.xml'), '-inf', join(work, 'closed.csv'), '-s', '+14155550109', '-p', String(trunkPort), '-mp', String(await freePort())], work);
      assert.equal(call.code, 0, `the core ends the call after the key: ${call.output}`);
      assert.ok((trunkMedia.counts.get(0) ?? 0) >= 25, 'the after-hours greeting played');
      const lines = flint.logs.slice(logged);
      assert.ok(lines.some((l) => l['msg'] === 'SIP: an auto attendant answers' && l['menu'] === 'afterHours'), 'the after-hours menu answered');
      assert.ok(lines.some((l) => l['msg'] === 'SIP: a key pressed at the auto attendant' && l['digit'] === '1' && l['decision'] === 'voicemail'), 'the key was taken as voicemail');
    } finally {
      trunkMedia.socket.close();
    }
  });
});
