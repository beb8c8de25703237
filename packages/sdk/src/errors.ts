/**
 * The SDK's one error type. `kind` says what went wrong, so a caller branches on it and never on a
 * message:
 * - `refused`: a server (the core, or the KMS through it) answered and said no — `status` is its
 *   HTTP status (or the KMS's), `body` the Webex-shaped body with its machine-readable `code`;
 * - `network`: no answer — the server could not be reached, the connection broke, or a reply did
 *   not come in time (`status` 0);
 * - `decrypt`: content, a key or a file failed to open or to pass its integrity check (`status` 0);
 * - `invalid`: refused here before anything was sent — bad input, or a space without a key to seal
 *   with (`status` 0; `code` says which rule, e.g. `payload_too_large`).
 * @module
 */
import { ERROR_STATUS, type ErrorBody, type ErrorCode } from '@flint/protocol';

export type FlintErrorKind = 'refused' | 'network' | 'decrypt' | 'invalid';

export interface FlintErrorInit {
  kind: FlintErrorKind;
  message: string;
  /** The server's status (`refused` only). */
  status?: number;
  code?: ErrorCode;
  body?: ErrorBody;
  retryAfterSec?: number;
  cause?: unknown;
  /** Set when what failed is not Flint but a source the caller named (the URL of a file to share). */
  subject?: 'file-source';
}

const DEFAULT_CODE: Record<FlintErrorKind, ErrorCode> = { refused: 'internal', network: 'unavailable', decrypt: 'bad_request', invalid: 'bad_request' };

export class FlintError extends Error {
  override readonly name = 'FlintError';
  readonly kind: FlintErrorKind;
  /** The server's HTTP status for `refused`; 0 for every other kind. */
  readonly status: number;
  readonly code: ErrorCode;
  readonly body: ErrorBody | undefined;
  readonly retryAfterSec: number | undefined;
  /** `file-source`: the URL a file was to be fetched from failed (the caller's fault, not Flint's). */
  readonly subject: 'file-source' | undefined;

  constructor(init: FlintErrorInit) {
    super(init.message, init.cause !== undefined ? { cause: init.cause } : undefined);
    this.kind = init.kind;
    this.status = init.kind === 'refused' ? (init.status ?? ERROR_STATUS[init.code ?? 'internal']) : 0;
    this.code = init.code ?? init.body?.code ?? DEFAULT_CODE[init.kind];
    this.body = init.body;
    this.retryAfterSec = init.retryAfterSec;
    this.subject = init.subject;
  }

  /** A server's answer of `status` (≥ 400), with its body when it sent one. */
  static refused(status: number, message: string, options: { code?: ErrorCode; body?: ErrorBody; retryAfterSec?: number } = {}): FlintError {
    return new FlintError({ kind: 'refused', status, message, ...options });
  }

  static network(message: string, cause?: unknown): FlintError {
    return new FlintError({ kind: 'network', message, ...(cause !== undefined ? { cause } : {}) });
  }

  static decrypt(message: string, cause?: unknown): FlintError {
    return new FlintError({ kind: 'decrypt', message, ...(cause !== undefined ? { cause } : {}) });
  }

  static invalid(message: string, code: ErrorCode = 'bad_request', cause?: unknown): FlintError {
    return new FlintError({ kind: 'invalid', message, code, ...(cause !== undefined ? { cause } : {}) });
  }

  get trackingId(): string | undefined {
    return this.body?.trackingId;
  }
}
