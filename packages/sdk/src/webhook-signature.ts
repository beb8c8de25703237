/**
 * Checking a webhook delivery's signature, for bots and services that receive Flint's (or
 * Webex's) webhooks: `X-Spark-Signature` is hex(HMAC-SHA1(secret, the raw body bytes)). Verify the
 * bytes exactly as received, before parsing them. WebCrypto only, so it runs anywhere.
 * @module
 */

const encoder = new TextEncoder();

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The signature Flint sends for `body` under `secret`. */
export async function webhookSignature(secret: string, body: Uint8Array | string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
  // A copy, so the bytes sit in a plain ArrayBuffer whatever view was given.
  const data = typeof body === 'string' ? encoder.encode(body) : new Uint8Array(body);
  return hex(await crypto.subtle.sign('HMAC', key, data));
}

/** True when `signature` (the header's value) signs `body` under `secret`; compared in constant time. */
export async function verifyWebhookSignature(secret: string, body: Uint8Array | string, signature: string): Promise<boolean> {
  const expected = await webhookSignature(secret, body);
  const given = signature.trim().toLowerCase();
  if (given.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ given.charCodeAt(i);
  return diff === 0;
}
