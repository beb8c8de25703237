/**
 * Who is calling: what the HTTP edge (or an operator task) authenticated, handed to every domain
 * function beside the `Core`.
 * @module
 */
/** The authenticated principal of a request. */
export interface Actor {
  personId: string;
  orgId: string;
  sessionId: string;
  type: 'person' | 'bot';
  isAdmin: boolean;
  /**
   * Holds the core's `compliance_officer` role (SPEC CP-1): may read the org's ciphertext and
   * metadata through the compliance API. Optional so that actors made elsewhere (tests, the
   * operator's stand-in) default to no. Keys are the KMS's to grant, never this flag's.
   */
  isComplianceOfficer?: boolean;
  isGuest: boolean;
  /**
   * A meeting guest's ephemeral account (docs/meetings.md "Guests"): the space whose meeting it is
   * a guest of. Its token is limited to the guest's routes (identity/scopes.ts).
   */
  meetingGuestOf?: string;
  /**
   * An integration's token (issue 18, ID-9): the OAuth scopes the person granted it; every route
   * checks them (identity/scopes.ts). Undefined for a person's or bot's own token or cookie: all
   * they may do.
   */
  scopes?: readonly string[];
  /**
   * How the request authenticated: a bearer token, the web session cookie, or the org's SCIM
   * directory token (`identity/scim-token.ts`: only the org's SCIM routes accept it; no person acts,
   * `personId` and `sessionId` name the token, and `isAdmin` is false).
   */
  via: 'bearer' | 'cookie' | 'scim';
  /** Where this request came from (set per request at the HTTP edge; the admin audit log records it). */
  origin?: ActorOrigin;
}

/** The request behind an actor: what the admin audit log (SPEC CP-5) records beside who acted. */
export interface ActorOrigin {
  ip?: string | undefined;
  userAgent?: string | undefined;
  trackingId?: string | undefined;
  /** The operator's `flint admin` on the server machine: no person acts. */
  operator?: boolean;
}
