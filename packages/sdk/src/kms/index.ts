/**
 * The SDK's KMS client and content sealing.
 * @module
 */
export { KmsClient, type KmsClientOptions, type KmsKey, type KmsResource, type KmsResourceBinding, type KmsAuthorization, type KmsDevice } from './client.ts';
export { requirePinnedKmsKey } from './pinning.ts';
export { newDeviceSecret, passwordCredential, tokenDeviceSecret, deviceCredentialHash, PASSWORD_CREDENTIAL_ROUNDS, type KmsDeviceCredential } from './credentials.ts';
export { httpKmsTransport, fetchKmsInfo, type KmsTransport, type KmsReplyMatcher } from './transport.ts';
export { KmsRelay, type KmsRelayOptions, type KmsRelayConnectOptions, type KmsDiscovery } from './relay-transport.ts';
export { sealText, openText, openWithKey, type SealedText } from './content.ts';
export { batchingKmsTransport, type BatchingOptions } from './batching-transport.ts';
