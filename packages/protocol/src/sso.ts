/**
 * Single sign-on per org (issue 18, SPEC ID-6): the org admin names the org's identity provider —
 * OpenID Connect (authorization code + PKCE) or SAML 2.0 (its metadata imported) — and people of the
 * org's verified domains then sign in there instead of with a Flint password. Sign-out ends the
 * session at the provider too where it offers it (SAML single logout, OIDC RP-initiated logout).
 * @module
 */
import { Type, type Static } from 'typebox';
import { Email, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';

/** Where the org's SAML IdP sends people and logouts: Flint's side (the service provider). */
export const SamlSp = Type.Object({
  /** The SP's entity ID (also the URL of its metadata). */
  entityId: Type.String(),
  metadataUrl: Type.String(),
  /** The Assertion Consumer Service (HTTP-POST binding). */
  acsUrl: Type.String(),
  /** The Single Logout Service (HTTP-Redirect and HTTP-POST bindings). */
  sloUrl: Type.String(),
});
export type SamlSp = Static<typeof SamlSp>;

/** The org's SAML IdP, as read from its metadata. */
export const SamlIdp = Type.Object({
  entityId: Type.String(),
  ssoUrl: Type.String(),
  /** Its Single Logout Service, when the metadata names one (then sign-out is sent there). */
  sloUrl: Type.Union([Type.String(), Type.Null()]),
  /** The URL the metadata was read from, or null when it was pasted. */
  metadataUrl: Type.Union([Type.String(), Type.Null()]),
  /** How many signing certificates the metadata holds (assertions must be signed by one). */
  signingCertificates: Type.Integer(),
});
export type SamlIdp = Static<typeof SamlIdp>;

export const SsoConfig = Type.Object({
  protocol: Type.Union([Type.Literal('oidc'), Type.Literal('saml')]),
  /** OIDC: the provider's issuer URL (its `/.well-known/openid-configuration` is read from there); SAML: the IdP's entity ID. */
  issuer: Type.String(),
  clientId: Type.String(),
  /** Whether a client secret is held (it is never sent back). */
  hasClientSecret: Type.Boolean(),
  enabled: Type.Boolean(),
  /** Just-in-time accounts for people of the org's domains the provider vouches for. */
  jit: Type.Boolean(),
  /** Password sign-in off for the org's people; its admins keep theirs (break-glass). */
  requireSso: Type.Boolean(),
  /** The redirect URI to register at the provider. */
  redirectUri: Type.String(),
  /** OIDC: whether the provider advertises RP-initiated logout (`end_session_endpoint`); SAML: whether its metadata names a Single Logout Service. */
  singleLogout: Type.Boolean(),
  /** SAML only: the IdP, as its metadata says. */
  saml: Type.Optional(SamlIdp),
  /** SAML only: Flint's side, to register at the IdP. */
  samlSp: Type.Optional(SamlSp),
  updated: Timestamp,
});
export type SsoConfig = Static<typeof SsoConfig>;

export const OidcConfigBody = Type.Object(
  {
    protocol: Type.Literal('oidc'),
    issuer: Type.String({ minLength: 8, maxLength: 512 }),
    clientId: Type.String({ minLength: 1, maxLength: 256 }),
    /** Omit to keep the one held; `null` to forget it (a public client, PKCE only). */
    clientSecret: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 512 }), Type.Null()])),
    enabled: Type.Boolean(),
    jit: Type.Boolean(),
    requireSso: Type.Boolean(),
  },
  { additionalProperties: false },
);

/** The most IdP metadata Flint reads, pasted or fetched. */
export const SAML_METADATA_MAX_BYTES = 256 * 1024;

export const SamlConfigBody = Type.Object(
  {
    protocol: Type.Literal('saml'),
    /** The IdP's metadata XML, pasted; or `metadataUrl` to read it from (exactly one of them). */
    metadataXml: Type.Optional(Type.String({ minLength: 1, maxLength: SAML_METADATA_MAX_BYTES })),
    metadataUrl: Type.Optional(Type.String({ minLength: 8, maxLength: 512 })),
    enabled: Type.Boolean(),
    jit: Type.Boolean(),
    requireSso: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const SsoConfigBody = Type.Union([OidcConfigBody, SamlConfigBody]);
export type SsoConfigBody = Static<typeof SsoConfigBody>;

export const getConfig = defineMethod({
  id: 'sso.get',
  verb: 'GET',
  path: '/api/admin/sso',
  summary: 'Admin: the org’s single sign-on provider (404 when none is set).',
  tag: 'admin',
  auth: 'admin',
  response: SsoConfig,
  status: 200,
});

export const putConfig = defineMethod({
  id: 'sso.put',
  verb: 'PUT',
  path: '/api/admin/sso',
  summary: 'Admin: set the org’s provider: OpenID Connect (its discovery document is fetched to check it) or SAML 2.0 (its metadata, pasted or fetched, is read to check it).',
  tag: 'admin',
  auth: 'admin',
  body: SsoConfigBody,
  response: SsoConfig,
  status: 200,
});

export const deleteConfig = defineMethod({
  id: 'sso.delete',
  verb: 'DELETE',
  path: '/api/admin/sso',
  summary: 'Admin: forget the org’s single sign-on provider (password sign-in again).',
  tag: 'admin',
  auth: 'admin',
  response: null,
  status: 204,
});

export const samlSp = defineMethod({
  id: 'sso.samlSp',
  verb: 'GET',
  path: '/api/admin/sso/saml-sp',
  summary: 'Admin: Flint’s SAML service provider for the org (entity ID, metadata URL, ACS and SLO), to register at the IdP.',
  tag: 'admin',
  auth: 'admin',
  response: SamlSp,
  status: 200,
});

export const discover = defineMethod({
  id: 'sso.discover',
  verb: 'POST',
  path: '/api/auth/sso/start',
  summary: 'Sign-in page: for an address whose org signs in through its provider, the provider’s URL to go to (with state, nonce and PKCE).',
  tag: 'auth',
  auth: 'none',
  body: Type.Object(
    {
      email: Email,
      /**
       * The sign-in's OIDC nonce, chosen by the browser: base64url(SHA-256(a secret it keeps)). The
       * provider signs it into the ID token, which the callback then hands to the browser
       * (`#/sso-proof/<token>`) for the KMS, which checks the secret against it (SSO_PROOF_FRAGMENT).
       */
      nonce: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' })),
    },
    { additionalProperties: false },
  ),
  response: Type.Object({ sso: Type.Boolean(), redirectUrl: Type.Optional(Type.String()) }),
  status: 200,
});

/** Where the provider sends the browser back; answers with a redirect to the web app. */
export const callback = defineMethod({
  id: 'sso.callback',
  verb: 'GET',
  path: '/api/auth/sso/callback',
  summary: 'The provider’s redirect back (authorization code or error); signs in and redirects to the web app.',
  tag: 'auth',
  auth: 'none',
  // The provider adds parameters of its own (iss, session_state…): they are passed on to the check.
  query: Type.Object(
    {
      state: Type.Optional(Type.String({ maxLength: 512 })),
      code: Type.Optional(Type.String({ maxLength: 2048 })),
      error: Type.Optional(Type.String({ maxLength: 256 })),
    },
    { additionalProperties: true },
  ),
  response: null,
  status: 204,
});

/**
 * Sign-out at the provider: where to send the browser after the Flint session ends (a SAML
 * LogoutRequest to the IdP's Single Logout Service, or the OIDC provider's end-session endpoint).
 * Nothing when the session was not an SSO one or the provider offers no logout. Call it before
 * `auth.logout`, which ends the session.
 */
export const singleLogout = defineMethod({
  id: 'sso.singleLogout',
  verb: 'POST',
  path: '/api/auth/sso/logout',
  summary: 'Before sign-out: the provider’s logout URL for this session, if it offers single logout.',
  tag: 'auth',
  auth: 'person',
  response: Type.Object({ redirectUrl: Type.Optional(Type.String()) }),
  status: 200,
});
/** Where the callback sends a browser that chose its nonce: the provider's ID token follows, in the fragment no server sees. */
export const SSO_PROOF_FRAGMENT = '#/sso-proof/';

/** What the web app is told after the callback, in its URL fragment: `#/sso-error/<code>`. */
export const SSO_ERRORS = ['expired', 'refused', 'outside_domains', 'no_account', 'idp_error'] as const;
export type SsoErrorCode = (typeof SSO_ERRORS)[number];
