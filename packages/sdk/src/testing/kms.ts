/**
 * `@flint/sdk/testing/kms`: the SDK's KMS protocol client on its own, for tests of a KMS server
 * (the handshake, authorization and bearer checks, persistence) that must speak the protocol
 * directly, with credentials a real client would never present. Clients use a `Session`, which
 * sets this client up itself; nothing in the SDK's main entry exports it.
 * @module
 */
export { KmsClient, type KmsClientOptions, type KmsKey, type KmsResource, type KmsResourceBinding, type KmsAuthorization, type KmsDevice } from '../kms/client.ts';
export { newDeviceSecret, passwordCredential, tokenDeviceSecret, deviceCredentialHash, type KmsDeviceCredential } from '../kms/credentials.ts';
export { httpKmsTransport, fetchKmsInfo, type KmsTransport } from '../kms/transport.ts';
export { batchingKmsTransport } from '../kms/batching-transport.ts';
export { KmsRelay } from '../kms/relay-transport.ts';
export { sealText, openText, openWithKey } from '../kms/content.ts';
