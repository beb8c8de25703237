/**
 * The KMS's identity: a CA generated on first run and a static RSA key whose certificate it
 * issues. Clients encrypt the handshake to the static key and verify the KMS's signatures with it;
 * the Webex SDK also validates the certificate chain against the CA it is given (`caroots`) and
 * matches the certificate's name against the host of the key's `kid` (= `kmsCluster`).
 * Both are kept in the KMS database (private keys sealed), so every KMS node shares them.
 * @module
 */
import { X509Certificate, generateKeyPairSync, webcrypto, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { Kysely } from 'kysely';
import type { Jwk } from '@flint/crypto';
import type { KmsDatabase } from './storage/schema.ts';
import type { Sealer } from './sealing.ts';

export interface StaticKey {
  /** `kms://<host>`: the static key's `kid`, equal to the cluster URI. */
  kid: string;
  /** The public JWK clients are given: kty, kid, n, e, x5c — and deliberately no `alg` or `use`. */
  publicJwk: Jwk;
  privateJwk: Jwk;
  /** The CA certificate (DER, base64), which clients pin as their `caroots`. */
  caCertificate: string;
  caCertificatePem: string;
}

const SIGNING = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as const;
const YEAR_MS = 365 * 86_400_000;

/**
 * @peculiar/x509, loaded only to make or read a certificate in ways Node's own X509Certificate cannot:
 * on first run and when the host changes. Every other start reads the certificates with node:crypto,
 * sparing the library's load (about a quarter of a second of CPU with its ASN.1 schemas).
 */
async function peculiarX509() {
  // @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API.
  await import('reflect-metadata');
  return import('@peculiar/x509');
}

function serial(): string {
  // A positive 128-bit serial number (top bit clear, so DER does not read it as negative).
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

function hostOf(kmsCluster: string): string {
  const url = new URL(kmsCluster);
  if (url.protocol !== 'kms:' || url.hostname === '') throw new Error(`kmsCluster must look like kms://<host>, not ${kmsCluster}`);
  return url.hostname;
}

async function createCa(db: Kysely<KmsDatabase>, sealer: Sealer, now: number): Promise<void> {
  const x509 = await peculiarX509();
  const keys = await webcrypto.subtle.generateKey(SIGNING, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=Flint KMS CA ${randomBytes(4).toString('hex')}, O=Flint`,
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + 20 * YEAR_MS),
    keys,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  // Two nodes starting on an empty database race here; the first insert wins and both use it.
  await db
    .insertInto('kms_pki')
    .values({ name: 'ca', cert_der: Buffer.from(cert.rawData).toString('base64'), private_key_sealed: sealer.seal(pkcs8, 'kms_pki:ca'), created_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
}

async function issueStatic(db: Kysely<KmsDatabase>, sealer: Sealer, host: string, now: number, replace: boolean): Promise<void> {
  const x509 = await peculiarX509();
  const ca = await db.selectFrom('kms_pki').selectAll().where('name', '=', 'ca').executeTakeFirstOrThrow();
  const caCert = new x509.X509Certificate(Buffer.from(ca.cert_der, 'base64'));
  const caKey = await webcrypto.subtle.importKey('pkcs8', sealer.open(ca.private_key_sealed, 'kms_pki:ca'), SIGNING, false, ['sign']);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateJwk = privateKey.export({ format: 'jwk' });
  const publicKey = await webcrypto.subtle.importKey('jwk', { kty: 'RSA', n: privateJwk.n, e: privateJwk.e }, SIGNING, true, ['verify']);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${host}, O=Flint`,
    issuer: caCert.subject,
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + 5 * YEAR_MS),
    publicKey,
    signingKey: caKey,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.SubjectAlternativeNameExtension([{ type: isIP(host) ? 'ip' : 'dns', value: host }]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  const row = {
    name: 'static',
    cert_der: Buffer.from(cert.rawData).toString('base64'),
    private_key_sealed: sealer.seal(new TextEncoder().encode(JSON.stringify(privateJwk)), 'kms_pki:static'),
    created_at: now,
  };
  if (replace) await db.updateTable('kms_pki').set(row).where('name', '=', 'static').execute();
  else await db.insertInto('kms_pki').values(row).onConflict((oc) => oc.column('name').doNothing()).execute();
}

/**
 * Loads the CA and the static key, creating them on first run; issues a new static certificate
 * (and key) when the configured cluster host no longer matches the certificate's name.
 */
export async function loadStaticKey(db: Kysely<KmsDatabase>, sealer: Sealer, kmsCluster: string, now: number): Promise<StaticKey> {
  const host = hostOf(kmsCluster);
  if ((await db.selectFrom('kms_pki').select('name').where('name', '=', 'ca').executeTakeFirst()) === undefined) await createCa(db, sealer, now);
  let row = await db.selectFrom('kms_pki').selectAll().where('name', '=', 'static').executeTakeFirst();
  if (row === undefined || !(await certificateIsFor(row.cert_der, host))) {
    await issueStatic(db, sealer, host, now, row !== undefined);
    row = await db.selectFrom('kms_pki').selectAll().where('name', '=', 'static').executeTakeFirstOrThrow();
  }
  const ca = await db.selectFrom('kms_pki').selectAll().where('name', '=', 'ca').executeTakeFirstOrThrow();
  const privateJwk = JSON.parse(new TextDecoder().decode(sealer.open(row.private_key_sealed, 'kms_pki:static'))) as Jwk;
  const kid = `kms://${host}`;
  return {
    kid,
    publicJwk: { kty: 'RSA', kid, n: privateJwk.n, e: privateJwk.e, x5c: [row.cert_der, ca.cert_der] },
    privateJwk,
    caCertificate: ca.cert_der,
    caCertificatePem: certificatePem(ca.cert_der),
  };
}

/** PEM, 64 characters a line, with no newline after the END line (as @peculiar/x509 writes it; Node's adds one). */
export function certificatePem(certDer: string): string {
  return new X509Certificate(Buffer.from(certDer, 'base64')).toString().trimEnd();
}

/**
 * Whether the static certificate names `host` as its first subject alternative name. Node reads the
 * common case (the one name we issue, `DNS:<host>` or `IP Address:<host>`); anything else is settled
 * by @peculiar/x509 as before, so a name Node prints differently never causes a needless new key.
 */
export async function certificateIsFor(certDer: string, host: string): Promise<boolean> {
  const der = Buffer.from(certDer, 'base64');
  const names = new X509Certificate(der).subjectAltName;
  if (names === `DNS:${host}` || names === `IP Address:${host}`) return true;
  const x509 = await peculiarX509();
  const san = new x509.X509Certificate(der).getExtension(x509.SubjectAlternativeNameExtension);
  return san?.names.items[0]?.value === host;
}
