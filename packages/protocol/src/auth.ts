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

export const signup = defineMethod({
  id: 'auth.signup',
  verb: 'POST',
  path: '/api/auth/signup',
  summary: 'Create an account and sign in. Also sets the web session cookie.',
  tag: 'auth',
  auth: 'none',
  body: SignupBody,
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
