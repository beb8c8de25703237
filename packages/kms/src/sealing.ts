/**
 * Encryption at rest for the secrets in the KMS database (content keys, ephemeral keys, private
 * keys): AES-256-GCM under a master key that never enters the database, so a copy of the
 * database alone (a backup, a stolen PostgreSQL dump) yields no key. The row's identity is the
 * additional data, so a sealed value cannot be moved to another row.
 * Every KMS node sharing one database must be given the same master key.
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const VERSION = 'v1';

export class Sealer {
  private constructor(private readonly key: Buffer) {}

  static fromKey(key: Uint8Array): Sealer {
    if (key.length !== 32) throw new Error('the KMS master key must be 32 bytes');
    return new Sealer(Buffer.from(key));
  }

  /** Reads the master key file, creating it (owner-only) on first run. */
  static fromFile(file: string): Sealer {
    if (!existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, randomBytes(32).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
    }
    chmodSync(file, 0o600);
    return Sealer.fromKey(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url'));
  }

  seal(plaintext: Uint8Array, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  open(sealed: string, context: string): Uint8Array {
    const [version, iv, body] = sealed.split('.');
    if (version !== VERSION || iv === undefined || body === undefined) throw new Error('unknown sealed format');
    const bytes = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return new Uint8Array(Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]));
  }
}
