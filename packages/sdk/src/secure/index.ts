/**
 * End-to-end encrypted spaces and messages on top of the Flint client and the KMS client.
 * @module
 */
export { SecureClient, type SecureRoom, type SecureTeam, type SecureMessage, type MessageContent, type SendInput, type CreateSpaceInput, type PersonRef, type SecureConnectOptions, type SealOptions } from './secure-client.ts';
export { SpaceKeys, type SpaceKeyring } from './space-keys.ts';
export { sealCards, openCards, type Card } from './cards.ts';
