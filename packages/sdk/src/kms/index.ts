/**
 * The SDK's KMS client and content sealing.
 * @module
 */
export { KmsClient, type KmsClientOptions, type KmsKey, type KmsResource, type KmsAuthorization } from './client.ts';
export { httpKmsTransport, fetchKmsInfo, type KmsTransport } from './transport.ts';
export { sealText, openText, type SealedText } from './content.ts';
