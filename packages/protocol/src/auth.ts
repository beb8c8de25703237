/**
 * Sign-up, sign-in, token refresh and sign-out (SPEC ID-1, ID-5).
 * @module
 */
import { Type, type Static } from 'typebox';
import { DisplayName, Email, Id, Password } from './common.ts';
import { defineMethod } from './method.ts';

export const AuthResult = Type.Object(
  {
    personId: Id,
    accessToken: Type.String(),
    refreshToken: Type.String(),
    /** Seconds until the access token expires. */
    expiresIn: Type.Integer(),
    sessionId: Id,
  },

);
export type AuthResult = Static<typeof AuthResult>;

export const SignupBody = Type.Object(
  {
    email: Email,
    password: Password,
    displayName: DisplayName,
    /** The token from an invitation e-mail; required when sign-up is by invitation only. */
    invitationToken: Type.Optional(Type.String({ minLength: 10, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type SignupBody = Static<typeof SignupBody>;

export const LoginBody = Type.Object(
  { email: Email, password: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);

export const RefreshBody = Type.Object(
  { refreshToken: Type.String({ minLength: 10, maxLength: 200 }) },
  { additionalProperties: false },
);

/**
 * The answer to a sign-up that did not start a session (HTTP 202): a mail went to the address — a
 * confirmation link if the address is new, "you already have an account" if it is not. Its bytes are
 * the same in both cases, so the answer tells nothing about the address (issue 14, finding 6).
 */
export const SignupMailed = Type.Object({ message: Type.String() });
export type SignupMailed = Static<typeof SignupMailed>;

export const signup = defineMethod({
  id: 'auth.signup',
  verb: 'POST',
  path: '/api/auth/signup',
  summary:
    'Create an account. Answers 200 with a session (and sets the web session cookie) for the first account of an empty instance, with an invitation token, or when the server confirms no addresses (FLINT_SIGNUP_CONFIRM=immediate); otherwise 202 {message}: a mail went to the address, whether or not it has an account.',
  tag: 'auth',
  auth: 'none',
  body: SignupBody,
  response: AuthResult,
  status: 200,
});

export const ConfirmSignupBody = Type.Object(
  {
    /** The token from the confirmation link (`#/confirm/<token>`). */
    token: Type.String({ minLength: 10, maxLength: 200 }),
    /** The password chosen at sign-up, again: the link alone does not sign in. */
    password: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);

export const confirmSignup = defineMethod({
  id: 'auth.confirmSignup',
  verb: 'POST',
  path: '/api/auth/signup/confirm',
  summary: 'Finish a sign-up with the token of its confirmation e-mail and the password chosen at sign-up: creates the account and signs in (sets the web session cookie). A token works once and expires.',
  tag: 'auth',
  auth: 'none',
  body: ConfirmSignupBody,
  response: AuthResult,
  status: 200,
});

export const login = defineMethod({
  id: 'auth.login',
  verb: 'POST',
  path: '/api/auth/login',
  summary: 'Sign in with e-mail and password. Also sets the web session cookie.',
  tag: 'auth',
  auth: 'none',
  body: LoginBody,
  response: AuthResult,
  status: 200,
});

export const refresh = defineMethod({
  id: 'auth.refresh',
  verb: 'POST',
  path: '/api/auth/refresh',
  summary: 'Trade a refresh token for a new access token and a new refresh token (the old one is spent).',
  tag: 'auth',
  auth: 'none',
  body: RefreshBody,
  response: AuthResult,
  status: 200,
});

export const logout = defineMethod({
  id: 'auth.logout',
  verb: 'POST',
  path: '/api/auth/logout',
  summary: 'End the current session: its tokens and cookie stop working.',
  tag: 'auth',
  auth: 'person',
  response: null,
  status: 204,
});

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange' as const;
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token' as const;
export const KMS_SCOPE = 'spark:kms' as const;

export const TokenExchangeBody = Type.Object(
  {
    grant_type: Type.Literal(TOKEN_EXCHANGE_GRANT),
    subject_token: Type.String({ minLength: 10, maxLength: 200 }),
    subject_token_type: Type.Optional(Type.Literal(ACCESS_TOKEN_TYPE)),
    scope: Type.Literal(KMS_SCOPE),
  },
  { additionalProperties: false },
);

export const TokenExchangeResult = Type.Object({
  access_token: Type.String(),
  issued_token_type: Type.Literal(ACCESS_TOKEN_TYPE),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer(),
  scope: Type.Literal(KMS_SCOPE),
});

export const exchangeToken = defineMethod({
  id: 'auth.token',
  verb: 'POST',
  path: '/api/auth/token',
  summary: 'RFC 8693 token exchange: an access token for one scoped to spark:kms, which only the KMS accepts (JSON or form-encoded).',
  tag: 'auth',
  auth: 'none',
  body: TokenExchangeBody,
  response: TokenExchangeResult,
  status: 200,
});

export const introspectToken = defineMethod({
  id: 'auth.introspect',
  verb: 'POST',
  path: '/api/auth/introspect',
  summary: 'RFC 7662 introspection of a spark:kms token, for a KMS running elsewhere. API tokens introspect as inactive.',
  tag: 'auth',
  auth: 'none',
  body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
  response: Type.Object({
    active: Type.Boolean(),
    sub: Type.Optional(Type.String()),
    org_id: Type.Optional(Type.String()),
    /** The person's address (the KMS checks it against an ID token of the org's provider). */
    username: Type.Optional(Type.String()),
    scope: Type.Optional(Type.String()),
  }),
  status: 200,
});

export const WebTokenResult = Type.Object({
  personId: Id,
  sessionId: Id,
  accessToken: Type.String(),
  /** Seconds until the access token expires. */
  expiresIn: Type.Integer(),
});
export type WebTokenResult = Static<typeof WebTokenResult>;

/**
 * A cookie scripts may read, set beside the HttpOnly session cookie and cleared with it: it says only
 * "this browser may have a session", so the web app asks for a token only then (a first visit sends
 * no request that must fail). It holds no secret: forging it earns one 401.
 */
export const SIGNED_IN_HINT_COOKIE = 'flint_signed_in';

/**
 * The web app keeps no token in browser storage: its session is the HttpOnly cookie. It still needs
 * a short-lived bearer for what a cookie cannot carry — the RFC 8693 exchange for its KMS token and
 * streamed file transfers — so it asks for one here, with the cookie (and the CSRF header) only.
 */
export const webToken = defineMethod({
  id: 'auth.webToken',
  verb: 'POST',
  path: '/api/auth/web-token',
  summary: 'Web app only: a fresh access token for the session of the web cookie (refused to bearer callers). Kept in memory by the app.',
  tag: 'auth',
  auth: 'person',
  response: WebTokenResult,
  status: 200,
});

/** "Forgot password" (issue 16): asks for a reset link by e-mail. The answer is the same whether or not the address has an account. */
export const requestPasswordReset = defineMethod({
  id: 'auth.requestPasswordReset',
  verb: 'POST',
  path: '/api/auth/password-reset',
  summary: 'E-mail a single-use password reset link to this address, if it has an account. Always 202; rate-limited per address and per client.',
  tag: 'auth',
  auth: 'none',
  body: Type.Object({ email: Email }, { additionalProperties: false }),
  response: Type.Object({ message: Type.String() }),
  status: 202,
});

/** Sets a new password with the token of a reset link; every session of the person ends. */
export const resetPassword = defineMethod({
  id: 'auth.resetPassword',
  verb: 'POST',
  path: '/api/auth/password-reset/confirm',
  summary: 'Set a new password with a reset link’s token (single use, expiring). Ends every session of the person.',
  tag: 'auth',
  auth: 'none',
  body: Type.Object({ token: Type.String({ minLength: 10, maxLength: 200 }), newPassword: Password }, { additionalProperties: false }),
  response: null,
  status: 204,
});
