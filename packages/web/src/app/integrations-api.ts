/**
 * The web app's door to OAuth integrations (issue 18, ID-9): registering one's own integrations,
 * the consent page's request and answer, and the integrations one allowed. Typed calls by method
 * object through the signed-in FlintClient; the server decides everything.
 * @module
 */
import type { FlintClient } from '@flint/sdk';
import { methodPath, oauth, type ConsentBody, type ConsentInfo, type CreateIntegrationBody, type Grant, type Integration } from '@flint/protocol';

export function listIntegrations(client: FlintClient): Promise<Integration[]> {
  return client.transport.call(oauth.listIntegrations, {}).then((r) => r.items);
}

export function createIntegration(client: FlintClient, body: CreateIntegrationBody): Promise<{ integration: Integration; clientSecret: string }> {
  return client.transport.call(oauth.createIntegration, { body });
}

export function deleteIntegration(client: FlintClient, id: string): Promise<void> {
  return client.transport.call(oauth.deleteIntegration, { params: { id } });
}

export function setIntegrationLogo(client: FlintClient, id: string, file: Blob): Promise<Integration> {
  return client.transport.call(oauth.setIntegrationLogo, { params: { id } }, { data: file, contentType: file.type });
}

/** The logo's address (same origin: the web session's cookie authorizes the image request). */
export function integrationLogoSrc(client: FlintClient, id: string): string {
  return `${client.transport.baseUrl}${methodPath(oauth.getIntegrationLogo.path, { id })}`;
}

/** The KMS device label of an integration's grants (approved at consent, removed at revocation). */
export const grantDeviceLabel = (integrationId: string): string => `integration:${integrationId}`;

export function consentInfo(client: FlintClient, query: { client_id: string; redirect_uri: string; scope: string }): Promise<ConsentInfo> {
  return client.transport.call(oauth.consentInfo, { query });
}

export function answerConsent(client: FlintClient, body: ConsentBody): Promise<{ redirectTo: string }> {
  return client.transport.call(oauth.consent, { body });
}

export function listGrants(client: FlintClient): Promise<Grant[]> {
  return client.transport.call(oauth.listGrants, {}).then((r) => r.items);
}

export function revokeGrant(client: FlintClient, integrationId: string): Promise<void> {
  return client.transport.call(oauth.revokeGrant, { params: { id: integrationId } });
}
