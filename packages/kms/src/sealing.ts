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

  /**
   * Recently opened values (content and ephemeral keys are read again and again: every retrieval
   * opened both). Keyed by the sealed text and its row, so a changed or deleted row is never
   * answered from here: callers still read the row first. Plaintext in this process's memory adds
   * nothing to what the master key beside it already opens.
   */
  private readonly opened = new Map<string, Uint8Array>();
  private static readonly OPENED_MAX = 10_000;

  open(sealed: string, context: string): Uint8Array {
    const id = `${context}\n${sealed}`;
    const hit = this.opened.get(id);
    if (hit !== undefined) return new Uint8Array(hit);
    const value = this.openUncached(sealed, context);
    if (this.opened.size >= Sealer.OPENED_MAX) this.opened.delete(this.opened.keys().next().value as string);
    this.opened.set(id, new Uint8Array(value));
    return value;
  }

  /** `open` without remembering the value: for large values read once (mail.ts's parts). */
  openUncached(sealed: string, context: string): Uint8Array {
    const [version, iv, body] = sealed.split('.');
    if (version !== VERSION || iv === undefined || body === undefined) throw new Error('unknown sealed format');
    const bytes = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return new Uint8Array(Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]));
  }
}
