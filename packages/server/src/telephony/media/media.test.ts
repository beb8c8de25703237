/**
 * The core's telephony media pieces (SPEC CL-4): µ-law against G.711's reference points, WAV to
 * 8 kHz µ-law, RFC 4733 telephone events (one digit per press, repeats and End packets ignored),
 * RTP, the little SDP, SIP message parsing, bencode, and the NG client against a real rtpengine
 * (a plain-RTP offer becomes the WebRTC SDP a browser takes, and back) when it is installed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bdecode, bencode, NgClient } from './ng-client.ts';
import { linearToPcmu, parseWav, pcmuToLinear, resample, wavToPcmu } from './pcmu.ts';
import { DtmfCollector, digitOf, parseTelephoneEvent } from './rfc4733.ts';
import { buildRtp, parseRtp } from './rtp.ts';
import { audioSdp, parseAudioSdp } from './sdp.ts';
import { header, headers, parseSip, serializeSip, tagOf, uriOf, userOf } from './sip-message.ts';

function wav(samples: Int16Array, rate: number): Uint8Array {
  const out = Buffer.alloc(44 + samples.length * 2);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + samples.length * 2, 4);
  out.write('WAVEfmt ', 8, 'latin1');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(rate, 24);
  out.writeUInt32LE(rate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(samples.length * 2, 40);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i]!, 44 + i * 2);
  return new Uint8Array(out);
}

describe('PCMU (G.711 µ-law)', () => {
  it('encodes the reference points and decodes back within the segment’s step', () => {
    assert.equal(linearToPcmu(0), 0xff);
    assert.equal(linearToPcmu(-1), 0x7f);
    assert.equal(linearToPcmu(32767), 0x80);
    assert.equal(linearToPcmu(-32768), 0x00);
    assert.equal(pcmuToLinear(0xff), 0);
    assert.equal(pcmuToLinear(0x80), 32124);
    assert.equal(pcmuToLinear(0x00), -32124);
    for (const s of [-30000, -5000, -100, 50, 1000, 8000, 30000]) {
      const back = pcmuToLinear(linearToPcmu(s));
      // µ-law keeps about 3 % of the magnitude (plus the small-signal step).
      assert.ok(Math.abs(back - s) <= Math.abs(s) * 0.035 + 8, `${s} → ${back}`);
    }
  });

  it('turns a 22,050 Hz WAV into 8 kHz µ-law of the same duration and tone', () => {
    const rate = 22050;
    const tone = new Int16Array(rate); // one second of 440 Hz
    for (let i = 0; i < tone.length; i++) tone[i] = Math.round(10000 * Math.sin((2 * Math.PI * 440 * i) / rate));
    const file = wav(tone, rate);
    assert.equal(parseWav(file).sampleRate, rate);
    const pcmu = wavToPcmu(file);
    assert.ok(Math.abs(pcmu.length - 8000) <= 1, `${pcmu.length} samples`);
    // Zero crossings of the decoded audio: 880 a second for 440 Hz.
    const decoded = Array.from(pcmu, pcmuToLinear);
    let crossings = 0;
    for (let i = 1; i < decoded.length; i++) if (decoded[i - 1]! < 0 !== decoded[i]! < 0) crossings++;
    assert.ok(Math.abs(crossings - 880) < 20, `${crossings} crossings`);
    assert.deepEqual(resample({ sampleRate: 8000, samples: new Int16Array([1, 2]) }, 8000), new Int16Array([1, 2]));
    assert.throws(() => parseWav(new Uint8Array(10)), /not a WAV/);
  });
});

describe('RFC 4733 telephone events', () => {
  it('reads an event and reports each press once', () => {
    assert.deepEqual(parseTelephoneEvent(new Uint8Array([1, 0x8a, 0x08, 0xc0])), { event: 1, end: true, volume: 10, duration: 2240 });
    assert.equal(parseTelephoneEvent(new Uint8Array([1, 2])), undefined);
    assert.deepEqual([0, 9, 10, 11, 12, 15, 16].map(digitOf), ['0', '9', '*', '#', 'A', 'D', undefined]);
    const c = new DtmfCollector();
    const press = (ts: number, event: number, end: boolean, duration: number) => c.push(ts, new Uint8Array([event, (end ? 0x80 : 0) | 10, duration >> 8, duration & 0xff]));
    // "1": packets of growing duration, then three End packets, all with the press's timestamp.
    const got = [press(13280, 1, false, 0), press(13280, 1, false, 320), press(13280, 1, true, 2240), press(13280, 1, true, 2240), press(13280, 1, true, 2240)];
    assert.deepEqual(got, ['1', undefined, undefined, undefined, undefined]);
    // "#" then "1" again: new presses, new timestamps.
    assert.equal(press(20000, 11, false, 0), '#');
    assert.equal(press(28000, 1, false, 0), '1');
  });

  it('RTP packets round-trip; non-RTP is refused', () => {
    const packet = buildRtp({ payloadType: 101, marker: true, sequence: 65535, timestamp: 4294967295, ssrc: 1234, payload: new Uint8Array([1, 2, 3, 4]) });
    assert.deepEqual(parseRtp(packet), { payloadType: 101, marker: true, sequence: 65535, timestamp: 4294967295, ssrc: 1234, payload: new Uint8Array([1, 2, 3, 4]) });
    assert.equal(parseRtp(new Uint8Array(8)), undefined);
    assert.equal(parseRtp(new Uint8Array(12)), undefined);
  });
});

describe('SDP and SIP messages', () => {
  it('reads a trunk’s offer and writes our answer', () => {
    const offer = 'v=0\r\no=x 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8 0 96\r\nc=IN IP4 10.0.0.2\r\na=rtpmap:96 telephone-event/8000\r\n';
    assert.deepEqual(parseAudioSdp(offer), { address: '10.0.0.2', port: 4000, formats: [8, 0, 96], telephoneEvent: 96 });
    assert.equal(parseAudioSdp('v=0\r\nm=video 4000 RTP/AVP 96\r\n'), undefined);
    const answer = audioSdp('127.0.0.1', 5000, 96, 7);
    assert.deepEqual(parseAudioSdp(answer), { address: '127.0.0.1', port: 5000, formats: [0, 96], telephoneEvent: 96 });
  });

  it('parses requests and responses, compact names, lists of routes', () => {
    const text = 'INVITE sip:+14155550100@127.0.0.1:5060 SIP/2.0\r\nv: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKa\r\nVia: SIP/2.0/UDP 127.0.0.1:6000;branch=z9hG4bKb\r\nf: <sip:+331@x>;tag=abc\r\nTo: <sip:+14155550100@x>\r\ni: id1\r\nCSeq: 1 INVITE\r\nRecord-Route: <sip:127.0.0.1;lr>, <sip:10.0.0.1;lr>\r\nContact: "Trunk" <sip:t@127.0.0.1:6000;transport=udp>\r\nContent-Length: 3\r\n\r\nv=0';
    const m = parseSip(text)!;
    assert.equal(m.method, 'INVITE');
    assert.equal(userOf(m.uri!), '+14155550100');
    assert.equal(headers(m, 'via').length, 2);
    assert.deepEqual(headers(m, 'record-route'), ['<sip:127.0.0.1;lr>', '<sip:10.0.0.1;lr>']);
    assert.equal(tagOf(header(m, 'from')), 'abc');
    assert.equal(tagOf(header(m, 'to')), undefined);
    assert.equal(uriOf(header(m, 'contact')!), 'sip:t@127.0.0.1:6000;transport=udp');
    assert.equal(m.body, 'v=0');
    const again = parseSip(serializeSip(m))!;
    assert.deepEqual(again.headers.filter(([n]) => n !== 'content-length'), m.headers.filter(([n]) => n !== 'content-length'));
    assert.equal(parseSip('SIP/2.0 180 Ringing\r\nCall-ID: x\r\n\r\n')!.status, 180);
    assert.equal(parseSip('garbage'), undefined);
  });
});

describe('bencode and the NG client', () => {
  it('encodes sorted dictionaries and decodes back; malformed input throws', () => {
    const value = { command: 'offer', 'call-id': 'c1', flags: ['a', 'b'], n: -3 };
    const encoded = bencode(value);
    assert.equal(encoded.toString(), 'd7:call-id2:c17:command5:offer5:flagsl1:a1:be1:ni-3ee');
    assert.deepEqual(bdecode(encoded), value);
    assert.deepEqual(bdecode(Buffer.from('d3:sdp3:é=e')), { sdp: 'é=' });
    for (const bad of ['d3:abc', 'i12', '5:abc', 'l', 'i1ei2e', 'di1ei2ee']) assert.throws(() => bdecode(Buffer.from(bad)), /bencode/, bad);
  });

  const rtpengine = spawnSync('rtpengine', ['--version']).error === undefined;
  it('rtpengine: a SIP leg’s plain RTP offered to a browser (ICE, DTLS-SRTP), the browser’s answer back as plain RTP', { skip: rtpengine ? false : 'rtpengine is not installed (apt-get install rtpengine-daemon)' }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flint-rtpengine-'));
    const probe = createSocket('udp4');
    await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', () => resolve()));
    const ngPort = probe.address().port;
    probe.close();
    await writeFile(join(dir, 'r.conf'), `[rtpengine]\ntable = -1\ninterface = 127.0.0.1\nlisten-ng = 127.0.0.1:${ngPort}\nport-min = 45000\nport-max = 45999\nforeground = true\nlog-stderr = true\n`);
    const child = spawn('rtpengine', [`--config-file=${join(dir, 'r.conf')}`], { stdio: 'ignore' });
    const client = await NgClient.connect({ host: '127.0.0.1', port: ngPort }, 600);
    try {
      let up = false;
      for (let i = 0; i < 30 && !up; i++) up = await client.ping().catch(() => false);
      assert.ok(up, 'rtpengine answers ping');
      const plain = audioSdp('127.0.0.1', 40000, 101, 1);
      const toBrowser = await client.offer({ callId: 'call-1', fromTag: 'sip', sdp: plain, toWebrtc: true });
      assert.match(toBrowser, /m=audio \d+ UDP\/TLS\/RTP\/SAVPF 0 101/);
      assert.match(toBrowser, /a=ice-ufrag:/);
      assert.match(toBrowser, /a=fingerprint:sha-256 /);
      assert.match(toBrowser, /a=rtcp-mux/);
      assert.match(toBrowser, /a=candidate:/);
      // A browser's answer (what Chromium writes, trimmed): back to the SIP leg as plain RTP.
      const browser = [
        'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', 'm=audio 9 UDP/TLS/RTP/SAVPF 0 101', 'c=IN IP4 0.0.0.0', 'a=rtcp:9 IN IP4 0.0.0.0',
        'a=ice-ufrag:abcd', 'a=ice-pwd:abcdefghijklmnopqrstuvwx', 'a=fingerprint:sha-256 ' + Array.from({ length: 32 }, () => 'AB').join(':'), 'a=setup:active', 'a=mid:0', 'a=sendrecv', 'a=rtcp-mux',
        'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', '',
      ].join('\r\n');
      const toSip = await client.answer({ callId: 'call-1', fromTag: 'sip', toTag: 'browser', sdp: browser, toWebrtc: false });
      assert.match(toSip, /m=audio \d+ RTP\/AVP 0 101/);
      assert.doesNotMatch(toSip, /a=fingerprint|a=ice-ufrag/);
      await client.delete('call-1');
      await assert.rejects(client.answer({ callId: 'nope', fromTag: 'x', toTag: 'y', sdp: browser, toWebrtc: false }), /rtpengine refused answer/);
    } finally {
      client.close();
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
