/**
 * The error body every Flint endpoint answers with, in the Webex shape plus a machine-readable code.
 * @module
 */
import { Type, type Static } from 'typebox';

/** The closed set of error codes. Clients branch on `code`, never on `message`. */
export const ERROR_CODES = [
  'bad_request',
  'validation_failed',
  'malformed_json',
  'unsupported_media_type',
  'payload_too_large',
  'unauthorized',
  'invalid_credentials',
  'token_expired',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'conflict',
  'gone',
  'locked',
  'rate_limited',
  'signup_closed',
  'self_service_locked',
  /** The org signs its people in through its identity provider (issue 18): no password sign-in. */
  'sso_required',
  /** An integration's token lacks the scope the route needs (issue 18, ID-9). */
  'insufficient_scope',
  /** The OAuth authorization server's errors (RFC 6749 §5.2), answered as `{error, error_description}`. */
  'oauth_invalid_request',
  'oauth_invalid_client',
  'oauth_invalid_grant',
  'oauth_unauthorized_client',
  'oauth_unsupported_grant_type',
  'oauth_invalid_scope',
  /** Meetings need a media server (Janus) and this Flint has none running (MT-1; docs/meetings.md). */
  'meetings_unavailable',
  'meeting_not_started',
  /** A ringing call was taken by another endpoint of the same person first (CL-1). */
  'answered_elsewhere',
  'internal',
  'unavailable',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const ErrorBody = Type.Object(
  {
    message: Type.String(),
    errors: Type.Array(Type.Object({ description: Type.String() })),
    trackingId: Type.String(),
    code: Type.Enum(ERROR_CODES),
  },

);
export type ErrorBody = Static<typeof ErrorBody>;

/** The HTTP status each code is answered with. One table, so the server and the SDK agree. */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  malformed_json: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  unauthorized: 401,
  invalid_credentials: 401,
  token_expired: 401,
  forbidden: 403,
  signup_closed: 403,
  self_service_locked: 403,
  sso_required: 403,
  insufficient_scope: 403,
  oauth_invalid_request: 400,
  oauth_invalid_client: 401,
  oauth_invalid_grant: 400,
  oauth_unauthorized_client: 400,
  oauth_unsupported_grant_type: 400,
  oauth_invalid_scope: 400,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  gone: 410,
  locked: 423,
  rate_limited: 429,
  meetings_unavailable: 409,
  meeting_not_started: 409,
  answered_elsewhere: 409,
  internal: 500,
  unavailable: 503,
};
