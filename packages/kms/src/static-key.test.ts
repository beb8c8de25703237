/**
 * SEC-2 — the static certificate's name is read at every start with node:crypto (the fast path) and
 * settled by @peculiar/x509 when Node prints it otherwise; either way the answer is @peculiar/x509's,
 * so a start never issues a new static key for a host the certificate already names. The CA's PEM is
 * the same text @peculiar/x509 wrote.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { webcrypto } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { certificateIsFor, certificatePem } from './static-key.ts';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

async function certificateNaming(host: string): Promise<string> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=test, O=Flint',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys,
    signingAlgorithm: ALG,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: isIP(host) ? 'ip' : 'dns', value: host }])],
  });
  return Buffer.from(cert.rawData).toString('base64');
}

describe('static key certificates read without @peculiar/x509', () => {
  for (const host of ['kms.example.test', 'localhost', '127.0.0.1', '10.1.2.3', '[::1]', 'xn--bcher-kva.example']) {
    it(`a certificate for ${host} is for ${host}, and for no other host`, async () => {
      const der = await certificateNaming(host);
      assert.equal(await certificateIsFor(der, host), true);
      assert.equal(await certificateIsFor(der, `other.${host}`), false);
      assert.equal(await certificateIsFor(der, host.toUpperCase() === host ? `${host}.x` : host.toUpperCase()), false);
    });
  }

  it('writes the PEM exactly as @peculiar/x509 does', async () => {
    const der = await certificateNaming('kms.example.test');
    assert.equal(certificatePem(der), new x509.X509Certificate(Buffer.from(der, 'base64')).toString('pem'));
  });
});
