/**
 * OAuth 2.0 integrations (SPEC ID-9, issue 18): a person registers an integration (a client with
 * redirect URIs and the scopes it may ask for); another person consents on a Flint page; the
 * integration then acts for them with an access token limited to the scopes granted. The scope
 * names are Webex's. The authorization server's own endpoints (`/v1/authorize`, `/v1/access_token`,
 * `/v1/revoke`) speak OAuth (forms, `{error, error_description}`), so they are not method objects.
 * @module
 */
import { Type, type Static } from 'typebox';
import { Id, IdParams, Timestamp } from './common.ts';
import { defineMethod } from './method.ts';

/** The scopes an integration may hold (Webex's names). */
export const OAUTH_SCOPES = [
  'spark:people_read',
  'spark:rooms_read',
  'spark:rooms_write',
  'spark:memberships_read',
  'spark:memberships_write',
  'spark:messages_read',
  'spark:messages_write',
  'spark:teams_read',
  'spark:teams_write',
  'meeting:schedules_read',
  'meeting:schedules_write',
  'meeting:preferences_read',
  'spark:calls_read',
  'spark:calls_write',
  'spark:kms',
] as const;
export type OAuthScope = (typeof OAUTH_SCOPES)[number];

export function isOAuthScope(value: string): value is OAuthScope {
  return (OAUTH_SCOPES as readonly string[]).includes(value);
}

export const OAUTH_LIMITS = {
  nameChars: 100,
  redirectUris: 10,
  redirectUriChars: 2048,
  integrationsPerPerson: 50,
  /** Seconds an authorization code can be exchanged (once). */
  codeTtlSec: 60,
  stateChars: 1024,
  logoBytes: 256 * 1024,
} as const;

const ScopeName = Type.Enum(OAUTH_SCOPES);

export const Integration = Type.Object({
  id: Id,
  name: Type.String(),
  clientId: Type.String(),
  redirectUris: Type.Array(Type.String()),
  scopes: Type.Array(ScopeName),
  hasLogo: Type.Boolean(),
  created: Timestamp,
});
export type Integration = Static<typeof Integration>;

const RedirectUri = Type.String({ minLength: 1, maxLength: OAUTH_LIMITS.redirectUriChars });

export const CreateIntegrationBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: OAUTH_LIMITS.nameChars }),
    redirectUris: Type.Array(RedirectUri, { minItems: 1, maxItems: OAUTH_LIMITS.redirectUris }),
    scopes: Type.Array(ScopeName, { minItems: 1, maxItems: OAUTH_SCOPES.length }),
  },
  { additionalProperties: false },
);
export type CreateIntegrationBody = Static<typeof CreateIntegrationBody>;

export const createIntegration = defineMethod({
  id: 'integrations.create',
  verb: 'POST',
  path: '/api/integrations',
  summary: 'Registers an integration; the answer carries its client secret, shown this once.',
  tag: 'integrations',
  auth: 'person',
  body: CreateIntegrationBody,
  response: Type.Object({ integration: Integration, clientSecret: Type.String() }),
  status: 200,
});

export const listIntegrations = defineMethod({
  id: 'integrations.list',
  verb: 'GET',
  path: '/api/integrations',
  summary: 'The integrations one registered.',
  tag: 'integrations',
  auth: 'person',
  response: Type.Object({ items: Type.Array(Integration) }),
  status: 200,
});

export const deleteIntegration = defineMethod({
  id: 'integrations.delete',
  verb: 'DELETE',
  path: '/api/integrations/:id',
  summary: 'Deletes one of one’s integrations; every token it holds stops working.',
  tag: 'integrations',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 204,
});

export const setIntegrationLogo = defineMethod({
  id: 'integrations.setLogo',
  verb: 'PUT',
  path: '/api/integrations/:id/logo',
  summary: 'Sets one’s integration’s logo (the raw PNG, JPEG or WebP image as the body).',
  tag: 'integrations',
  auth: 'person',
  params: IdParams,
  response: Integration,
  status: 200,
});

export const getIntegrationLogo = defineMethod({
  id: 'integrations.getLogo',
  verb: 'GET',
  path: '/api/integrations/:id/logo',
  summary: 'An integration’s logo (WebP), for its consent page.',
  tag: 'integrations',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 200,
});

/** What the consent page is asked to show: the `/v1/authorize` parameters it was sent with. */
export const ConsentQuery = Type.Object(
  {
    client_id: Type.String({ minLength: 1, maxLength: 200 }),
    redirect_uri: Type.String({ minLength: 1, maxLength: OAUTH_LIMITS.redirectUriChars }),
    scope: Type.String({ maxLength: 2000 }),
  },
  { additionalProperties: false },
);

export const ConsentInfo = Type.Object({
  integration: Type.Object({ id: Id, name: Type.String(), hasLogo: Type.Boolean(), ownerName: Type.String() }),
  scopes: Type.Array(ScopeName),
});
export type ConsentInfo = Static<typeof ConsentInfo>;

export const consentInfo = defineMethod({
  id: 'oauth.consentInfo',
  verb: 'GET',
  path: '/api/oauth/consent',
  summary: 'What an authorization request asks for (the consent page shows it).',
  tag: 'integrations',
  auth: 'person',
  query: ConsentQuery,
  response: ConsentInfo,
  status: 200,
});

export const ConsentBody = Type.Object(
  {
    clientId: Type.String({ minLength: 1, maxLength: 200 }),
    redirectUri: Type.String({ minLength: 1, maxLength: OAUTH_LIMITS.redirectUriChars }),
    scope: Type.String({ maxLength: 2000 }),
    state: Type.Optional(Type.String({ maxLength: OAUTH_LIMITS.stateChars })),
    codeChallenge: Type.Optional(Type.String({ minLength: 43, maxLength: 128, pattern: '^[A-Za-z0-9._~-]+$' })),
    codeChallengeMethod: Type.Optional(Type.Literal('S256')),
    /** The grant key (see integrationGrantKey) whose KMS device this browser approved; required with spark:kms. */
    kmsGrant: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
    allow: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type ConsentBody = Static<typeof ConsentBody>;

export const consent = defineMethod({
  id: 'oauth.consent',
  verb: 'POST',
  path: '/api/oauth/consent',
  summary: 'The person allows or denies an authorization request; answers where to send the browser.',
  tag: 'integrations',
  auth: 'person',
  body: ConsentBody,
  response: Type.Object({ redirectTo: Type.String() }),
  status: 200,
});

export const Grant = Type.Object({
  integrationId: Id,
  name: Type.String(),
  hasLogo: Type.Boolean(),
  scopes: Type.Array(ScopeName),
  created: Timestamp,
  lastUsed: Timestamp,
});
export type Grant = Static<typeof Grant>;

export const listGrants = defineMethod({
  id: 'oauth.grants',
  verb: 'GET',
  path: '/api/oauth/grants',
  summary: 'The integrations one allowed to act for one.',
  tag: 'integrations',
  auth: 'person',
  response: Type.Object({ items: Type.Array(Grant) }),
  status: 200,
});

export const revokeGrant = defineMethod({
  id: 'oauth.revokeGrant',
  verb: 'DELETE',
  path: '/api/oauth/grants/:id',
  summary: 'Revokes what one allowed an integration (by the integration’s id): its tokens stop working at once.',
  tag: 'integrations',
  auth: 'person',
  params: IdParams,
  response: null,
  status: 204,
});

export const tokenInfo = defineMethod({
  id: 'auth.tokenInfo',
  verb: 'GET',
  path: '/api/auth/token-info',
  summary: 'The scopes of the caller’s token: `null` for a person’s or bot’s own token (everything they may do).',
  tag: 'auth',
  auth: 'person',
  response: Type.Object({ scopes: Type.Union([Type.Array(Type.String()), Type.Null()]) }),
  status: 200,
});

/**
 * An integration's grant key (64 hex digits): made by the consenting browser, which approves the
 * KMS device derived from it (`session.approveToken(grantKey)`), and carried inside the grant's
 * code, refresh tokens and access tokens (`flo-…`, `flr-…`, `flg-…`, each `<kind>-<64 hex>.<grant
 * key>`), never stored by the core (it keeps only SHA-256s of whole tokens). So the gateway derives
 * the same KMS device from every access token of the grant, across refreshes, and a token forged in
 * the core's database has no grant key the KMS knows. Undefined for any other token.
 */
export function integrationGrantKey(token: string): string | undefined {
  return /^fl[gor]-[0-9a-f]{64}\.([0-9a-f]{64})(?:_|$)/.exec(token)?.[1];
}

export const GRANT_KEY_PATTERN = '^[0-9a-f]{64}$';
