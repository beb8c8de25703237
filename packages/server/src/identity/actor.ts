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
  isGuest: boolean;
  /** How the request authenticated: a bearer token, or the web session cookie. */
  via: 'bearer' | 'cookie';
}
