/**
 * The server's one error type. Domain code throws `ApiError`; the HTTP edge turns anything thrown
 * into the Webex error body through `ApiError.from`, which is the only place a status is chosen
 * for an unexpected error. A 500 never carries the cause's message to the client.
 * @module
 */
import { ERROR_STATUS, type ErrorCode } from '@flint/protocol';
import { isUniqueViolation } from '@flint/db';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  /** Seconds, for 429 and 423 answers. */
  retryAfterSec: number | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }

  static badRequest(message: string, details: readonly string[] = []): ApiError {
    return new ApiError('validation_failed', message, details);
  }
  static notFound(what = 'resource'): ApiError {
    return new ApiError('not_found', `The requested ${what} could not be found.`);
  }
  static forbidden(message = 'You are not allowed to do this.'): ApiError {
    return new ApiError('forbidden', message);
  }
  static unauthorized(message = 'The request requires a valid access token.'): ApiError {
    return new ApiError('unauthorized', message);
  }
  static conflict(message: string): ApiError {
    return new ApiError('conflict', message);
  }
  static rateLimited(retryAfterSec: number, message = 'Too many requests; try again later.'): ApiError {
    const error = new ApiError('rate_limited', message);
    error.retryAfterSec = Math.max(1, Math.ceil(retryAfterSec));
    return error;
  }

  /** Normalizes anything thrown: known framework and database errors become 4xx, the rest 500. */
  static from(error: unknown): ApiError {
    if (error instanceof ApiError) return error;
    const e = error as { code?: unknown; statusCode?: unknown; validation?: unknown; message?: unknown };
    if (isUniqueViolation(error)) return ApiError.conflict('A resource with these values exists already.');
    if (typeof e.code === 'string') {
      switch (e.code) {
        case 'FST_ERR_CTP_INVALID_JSON_BODY':
        case 'FST_ERR_CTP_EMPTY_JSON_BODY':
          return new ApiError('malformed_json', 'The request body is not valid JSON.');
        case 'FST_ERR_CTP_BODY_TOO_LARGE':
          return new ApiError('payload_too_large', 'The request body is too large.');
        case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
          return new ApiError('unsupported_media_type', 'The request’s Content-Type is not accepted here.');
        case 'FST_ERR_VALIDATION':
          break;
        default:
          break;
      }
    }
    if (Array.isArray(e.validation)) {
      const details = (e.validation as { instancePath?: string; message?: string; params?: Record<string, unknown> }[]).map(
        (v) => describeValidation(v),
      );
      return new ApiError('validation_failed', 'The request could not be understood by the server due to malformed syntax. See \'errors\' for more details.', details);
    }
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      if (e.statusCode === 413) return new ApiError('payload_too_large', 'The request body is too large.');
      if (e.statusCode === 415) return new ApiError('unsupported_media_type', 'The request’s Content-Type is not accepted here.');
      return new ApiError('bad_request', typeof e.message === 'string' ? e.message : 'Bad request.');
    }
    return new ApiError('internal', 'An unexpected error occurred; it has been logged with the tracking id.');
  }
}

function describeValidation(v: { instancePath?: string; message?: string; params?: Record<string, unknown> }): string {
  const where = v.instancePath && v.instancePath !== '' ? v.instancePath.replace(/^\//, '').replace(/\//g, '.') : 'body';
  const extra = v.params?.['additionalProperty'];
  if (typeof extra === 'string') return `${where}: unknown field '${extra}'`;
  return `${where}: ${v.message ?? 'invalid'}`;
}

