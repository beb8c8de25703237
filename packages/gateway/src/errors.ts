/**
 * The gateway's one error type, answered in the Webex error shape
 * `{message, errors:[{description}], trackingId}` plus Flint's machine-readable `code`.
 * An SDK `FlintError` is mapped by its kind, never its message: a refusal by the core keeps its
 * status and message (a 404 at the core is a 404 at `/v1`; a 429 keeps its `Retry-After`), a
 * network failure is a 502, local validation and content that does not open are 400s.
 * @module
 */
import { ERROR_STATUS, type ErrorCode } from '@flint/protocol';
import { FlintError } from '@flint/sdk';

export class WebexError extends Error {
  override readonly name = 'WebexError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: readonly string[] = [],
    readonly retryAfterSec?: number,
    status?: number,
  ) {
    super(message);
    this.status = status ?? ERROR_STATUS[code];
  }

  static badRequest(description: string): WebexError {
    return new WebexError('validation_failed', "The request could not be understood by the server due to malformed syntax. See 'errors' for more details.", [description]);
  }

  static notFound(what: string): WebexError {
    return new WebexError('not_found', `The requested ${what} could not be found.`);
  }

  static unauthorized(message = 'The request requires a valid access token.'): WebexError {
    return new WebexError('unauthorized', message);
  }

  /** Normalizes anything thrown in a `/v1` handler. Never leaks the cause of a 500. */
  static from(error: unknown): WebexError {
    if (error instanceof WebexError) return error;
    if (error instanceof FlintError) {
      switch (error.kind) {
        case 'refused': {
          if (error.status >= 500) return new WebexError('unavailable', 'The core failed to answer; try again.', [], undefined, 502);
          const details = error.body?.errors.map((e) => e.description) ?? [];
          return new WebexError(error.code, error.message, details, error.retryAfterSec, error.status);
        }
        case 'network':
          // The core or the KMS could not be reached, or did not answer in time.
          return new WebexError('unavailable', 'A service the gateway needs is unavailable; try again.', [], undefined, 502);
        case 'invalid':
          // Refused by the SDK before anything was sent: the request asked for what cannot be done.
          return error.code === 'bad_request' ? WebexError.badRequest(error.message) : new WebexError(error.code, error.message);
        case 'decrypt':
          // Content or a key did not open: the request named something the caller cannot read.
          return WebexError.badRequest(error.message);
      }
    }
    const e = error as { code?: unknown; statusCode?: unknown; validation?: unknown; message?: unknown };
    if (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new WebexError('malformed_json', 'The request body is not valid JSON.');
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e.statusCode === 413) return new WebexError('payload_too_large', 'The request body is too large.');
    if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || e.statusCode === 415) return new WebexError('unsupported_media_type', 'The request’s Content-Type is not accepted here.');
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      return new WebexError('bad_request', typeof e.message === 'string' ? e.message : 'Bad request.', [], undefined, e.statusCode);
    }
    return new WebexError('internal', 'An unexpected error occurred; it has been logged with the tracking id.');
  }

  body(trackingId: string): { message: string; errors: { description: string }[]; trackingId: string; code: ErrorCode } {
    return {
      message: this.message,
      errors: (this.details.length > 0 ? this.details : [this.message]).map((description) => ({ description })),
      trackingId,
      code: this.code,
    };
  }
}
