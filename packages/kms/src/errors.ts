/**
 * The KMS's one error type. Its `status` is the protocol status sent back inside the signed or
 * encrypted response (the HTTP-like codes of the draft); `reason` is safe to show the client.
 * @module
 */
export class KmsError extends Error {
  override readonly name = 'KmsError';
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(reason);
  }

  static badRequest(reason: string): KmsError {
    return new KmsError(400, reason);
  }
  static unauthenticated(reason = 'The bearer token in the request is missing or not valid for the KMS.'): KmsError {
    return new KmsError(401, reason);
  }
  static forbidden(reason = 'Not authorized for this object.'): KmsError {
    return new KmsError(403, reason);
  }
  static notFound(reason = 'No such object on this KMS.'): KmsError {
    return new KmsError(404, reason);
  }
  static conflict(reason: string): KmsError {
    return new KmsError(409, reason);
  }
  /** The later draft's reset: the ephemeral key is unknown or expired, so the client must handshake again. */
  static reset(reason = 'Unknown or expired ephemeral key: perform the ECDHE handshake again.'): KmsError {
    return new KmsError(499, reason);
  }
}
