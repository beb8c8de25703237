/**
 * SEC-2 — the KMS's node:crypto envelopes read and write exactly what `@flint/crypto` (jose over
 * WebCrypto, the SDK's side) writes and reads, and refuse what jose refuses.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { decryptDir as joseDecryptDir, encryptDir as joseEncryptDir, encryptRsaOaep, verifyJws, JoseError, type Jwk } from '@flint/crypto';
import { decryptDir, encryptDir, StaticKeyOps } from './envelopes.ts';

const text = new TextDecoder();
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privateJwk = privateKey.export({ format: 'jwk' }) as Jwk;
const publicJwk: Jwk = { kty: 'RSA', n: privateJwk.n!, e: privateJwk.e!, kid: 'kms://kms.example.test' };
const ops = new StaticKeyOps(privateJwk, 'kms://kms.example.test');

/** Replaces part `i` of a compact serialization. */
function withPart(compact: string, i: number, part: string): string {
  const parts = compact.split('.');
  parts[i] = part;
  return parts.join('.');
}
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('KMS envelopes on node:crypto', () => {
  it('dir/A256GCM: each side opens the other’s, kid kept', async () => {
    const key = randomBytes(32);
    const mine = encryptDir(key, '{"status":200,"é":"ü"}', 'kms://x/ecdhe/1');
    const opened = await joseDecryptDir(key, mine);
    assert.equal(text.decode(opened.plaintext), '{"status":200,"é":"ü"}');
    assert.deepEqual(opened.header, { alg: 'dir', enc: 'A256GCM', kid: 'kms://x/ecdhe/1' });
    const theirs = await joseEncryptDir(key, '{"method":"retrieve"}', 'kms://x/ecdhe/1');
    assert.equal(text.decode(decryptDir(key, theirs).plaintext), '{"method":"retrieve"}');
  });

  it('dir: refuses another key, a changed header, ciphertext or tag, and what jose refuses', async () => {
    const key = randomBytes(32);
    const wire = await joseEncryptDir(key, 'hello', 'kid-1');
    assert.throws(() => decryptDir(randomBytes(32), wire), JoseError);
    assert.throws(() => decryptDir(randomBytes(16), wire), JoseError);
    // The header is the additional data: another kid under the same ciphertext fails.
    assert.throws(() => decryptDir(key, withPart(wire, 0, b64({ alg: 'dir', enc: 'A256GCM', kid: 'kid-2' }))), JoseError);
    const [, , , ct, tag] = wire.split('.') as [string, string, string, string, string];
    const flip = (s: string) => Buffer.from(Buffer.from(s, 'base64url').map((b, i) => (i === 0 ? b ^ 1 : b))).toString('base64url');
    assert.throws(() => decryptDir(key, withPart(wire, 3, flip(ct))), JoseError);
    assert.throws(() => decryptDir(key, withPart(wire, 4, flip(tag))), JoseError);
    assert.throws(() => decryptDir(key, withPart(wire, 4, tag.slice(0, 10))), JoseError, 'a short tag');
    assert.throws(() => decryptDir(key, withPart(wire, 2, 'AAAA')), JoseError, 'a short iv');
    assert.throws(() => decryptDir(key, withPart(wire, 1, 'AAAA')), JoseError, 'an encrypted key beside dir');
    assert.throws(() => decryptDir(key, withPart(wire, 3, `${ct}*`)), JoseError, 'not base64url');
    assert.throws(() => decryptDir(key, wire.split('.').slice(0, 4).join('.')), JoseError, 'four parts');
    for (const header of [{ alg: 'dir', enc: 'A128GCM' }, { alg: 'A256KW', enc: 'A256GCM' }, { alg: 'dir', enc: 'A256GCM', zip: 'DEF' }, { alg: 'dir', enc: 'A256GCM', crit: ['x'], x: 1 }, [1], 'dir']) {
      assert.throws(() => decryptDir(key, withPart(wire, 0, b64(header))), JoseError, JSON.stringify(header));
    }
  });

  it('RSA-OAEP: opens the SDK’s handshake envelope; refuses a dir one and another key’s', async () => {
    const wire = await encryptRsaOaep(publicJwk, '{"method":"create","uri":"/ecdhe"}', 'kms://kms.example.test');
    const { plaintext, header } = ops.decryptRsaOaep(wire);
    assert.equal(text.decode(plaintext), '{"method":"create","uri":"/ecdhe"}');
    assert.equal(header['alg'], 'RSA-OAEP');
    const dir = await joseEncryptDir(randomBytes(32), 'x', 'k');
    assert.throws(() => ops.decryptRsaOaep(dir), JoseError);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }) as Jwk;
    assert.throws(() => new StaticKeyOps(other, 'k').decryptRsaOaep(wire), JoseError);
  });

  it('PS256: the SDK’s verifier (jose) accepts the answers, kid = the cluster; another key’s fail', async () => {
    const jws = await ops.signJws('{"status":201}');
    const { payload, header } = await verifyJws(publicJwk, jws);
    assert.equal(text.decode(payload), '{"status":201}');
    assert.deepEqual(header, { alg: 'PS256', kid: 'kms://kms.example.test' });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }) as Jwk;
    await assert.rejects(verifyJws(publicJwk, await new StaticKeyOps(other, 'kms://kms.example.test').signJws('{"status":201}')), JoseError);
  });
});
