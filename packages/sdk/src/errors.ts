/**
 * The SDK's one error type. It tells apart a refusal by the server (`status` ≥ 400, with the
 * Webex-shaped body and its machine-readable `code`) from a connection failure (`status` 0).
 * @module
 */
import type { ErrorBody, ErrorCode } from '@flint/protocol';

export class FlintError extends Error {
  override readonly name = 'FlintError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'network_error',
    message: string,
    readonly body: ErrorBody | undefined,
    readonly retryAfterSec: number | undefined,
  ) {
    super(message);
  }

  get trackingId(): string | undefined {
    return this.body?.trackingId;
  }
}
