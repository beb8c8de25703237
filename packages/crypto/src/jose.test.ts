/**
 * Known-answer tests for the KMS and content envelopes. The vectors in fixtures/kms-vectors.json
 * were computed with node:crypto (an implementation independent of `jose` and WebCrypto's JOSE
 * plumbing), so agreement here means the wire bytes are right, not merely self-consistent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { fromBase64Url, toBase64Url, utf8 } from './encoding.ts';
import { compactKind, decryptContent, decryptDir, decryptRsaOaep, encryptContent, encryptDir, encryptRsaOaep, JoseError, protectedHeader, signJws, verifyJws, type Jwk } from './jose.ts';
import { deriveEphemeralKey, ecPublic, generateEcdhKeyPair, importEcdhPrivateKey, keyFromOctJwk, octJwk } from './ecdh.ts';

interface Vectors {
  ecdhHkdf: { note: string; private: { kty: 'EC'; crv: 'P-256'; x: string; y: string; d: string }; peerPublic: unknown; peerPrivate: { kty: 'EC'; crv: 'P-256'; x: string; y: string; d: string }; key: string }[];
  contentJwe: { key: string; iv: string; kid?: string; plaintext: string; compact: string }[];
}
const vectors = JSON.parse(readFileSync(new URL('./fixtures/kms-vectors.json', import.meta.url), 'utf8')) as Vectors;

test('ECDH P-256 + HKDF-SHA-256 matches the known answers, both directions, including a Z with a leading zero byte', async () => {
  assert.ok(vectors.ecdhHkdf.some((v) => v.note.includes('zero byte')));
  for (const v of vectors.ecdhHkdf) {
    const mine = await deriveEphemeralKey(await importEcdhPrivateKey(v.private), v.peerPublic);
    assert.equal(toBase64Url(mine), v.key, v.note);
    const theirs = await deriveEphemeralKey(await importEcdhPrivateKey(v.peerPrivate), { ...v.private, kid: 'ignored' });
    assert.equal(toBase64Url(theirs), v.key, `${v.note} (reverse, extra members ignored)`);
  }
});

test('dir/A256GCM JWE matches the known answers byte for byte and decrypts them', async () => {
  for (const v of vectors.contentJwe) {
    const key = fromBase64Url(v.key);
    assert.equal(await encryptDir(key, v.plaintext, v.kid, { iv: fromBase64Url(v.iv) }), v.compact);
    const { plaintext, header } = await decryptDir(key, v.compact);
    assert.equal(utf8.decode(plaintext), v.plaintext);
    assert.equal(header['kid'], v.kid);
  }
});

test('content JWE header is exactly {"alg":"dir","enc":"A256GCM"} with no kid, and round-trips', async () => {
  const key = fromBase64Url(vectors.contentJwe[0]!.key);
  const jwe = await encryptContent(key, 'secret words');
  assert.equal(utf8.decode(fromBase64Url(jwe.split('.')[0]!)), '{"alg":"dir","enc":"A256GCM"}');
  assert.equal(jwe.split('.')[1], '', 'no encrypted key part for dir');
  assert.equal(compactKind(jwe), 'jwe');
  assert.equal(await decryptContent(key, jwe), 'secret words');
  assert.notEqual(await encryptContent(key, 'secret words'), jwe, 'a fresh IV each time');
});

test('tampering, a wrong key or a wrong length is refused with JoseError', async () => {
  const v = vectors.contentJwe[0]!;
  const key = fromBase64Url(v.key);
  const parts = v.compact.split('.');
  const ct = fromBase64Url(parts[3]!);
  ct[0] = ct[0]! ^ 1;
  parts[3] = toBase64Url(ct);
  await assert.rejects(decryptDir(key, parts.join('.')), JoseError);
  await assert.rejects(decryptDir(new Uint8Array(32), v.compact), JoseError);
  await assert.rejects(encryptDir(new Uint8Array(16), 'x'), JoseError);
  assert.throws(() => protectedHeader('not.a.jwe'), JoseError);
  assert.equal(compactKind('a.b'), 'invalid');
});

function rsaPair(): { publicJwk: Jwk; privateJwk: Jwk } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { publicJwk: publicKey.export({ format: 'jwk' }), privateJwk: privateKey.export({ format: 'jwk' }) };
}

test('RSA-OAEP/A256GCM handshake envelope and PS256 signatures round-trip; a foreign key fails', async () => {
  const kms = rsaPair();
  const other = rsaPair();
  const jwe = await encryptRsaOaep(kms.publicJwk, '{"hello":1}', 'kms://kms.example.test');
  assert.deepEqual(protectedHeader(jwe), { alg: 'RSA-OAEP', enc: 'A256GCM', kid: 'kms://kms.example.test' });
  assert.equal(utf8.decode((await decryptRsaOaep(kms.privateJwk, jwe)).plaintext), '{"hello":1}');
  await assert.rejects(decryptRsaOaep(other.privateJwk, jwe), JoseError);
  const jws = await signJws(kms.privateJwk, '{"status":201}', 'kms://kms.example.test');
  assert.equal(compactKind(jws), 'jws');
  const { payload, header } = await verifyJws({ ...kms.publicJwk, kid: 'kms://kms.example.test' }, jws);
  assert.equal(utf8.decode(payload), '{"status":201}');
  assert.equal(header['alg'], 'PS256');
  await assert.rejects(verifyJws(other.publicJwk, jws), JoseError);
});

test('fresh ECDH pairs agree; bad points and non-P-256 keys are refused', async () => {
  const a = await generateEcdhKeyPair();
  const b = await generateEcdhKeyPair();
  assert.deepEqual(await deriveEphemeralKey(a.privateKey, b.publicJwk), await deriveEphemeralKey(b.privateKey, a.publicJwk));
  const offCurve = { ...b.publicJwk, y: toBase64Url(new Uint8Array(32).fill(7)) };
  await assert.rejects(deriveEphemeralKey(a.privateKey, offCurve), JoseError);
  assert.throws(() => ecPublic({ kty: 'EC', crv: 'P-384', x: 'a', y: 'b' }), JoseError);
  const k = new Uint8Array(32).fill(3);
  assert.deepEqual(keyFromOctJwk(octJwk(k, 'kms://x/keys/1')), k);
});
