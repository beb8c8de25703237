/**
 * Explicit limits of the native API. Documented in docs/limits.md; each one has a test.
 * @module
 */
export const LIMITS = {
  /** Largest JSON request body, in bytes. */
  jsonBodyBytes: 1024 * 1024,
  /** Largest avatar image upload, in bytes. */
  avatarBytes: 2 * 1024 * 1024,
  /** Avatar images are stored re-encoded at most this many pixels wide and high. */
  avatarPixels: 512,
  /** Largest organization logo upload, in bytes (PNG, JPEG or WebP). */
  orgLogoBytes: 256 * 1024,
  /** Org logos are stored re-encoded (WebP) to fit within this many pixels wide and high. */
  orgLogoPixels: 512,
  displayNameChars: 128,
  nameChars: 64,
  emailChars: 254,
  passwordMinChars: 10,
  /** argon2 hashes at most this many characters; longer passwords are a denial-of-service lever. */
  passwordMaxChars: 256,
  /** Page size bounds for lists (a larger `max` is clamped, as Webex does). */
  pageMax: 1000,
  pageDefault: 100,
  domainsPerOrg: 50,
} as const;

/** Limits of spaces and messages. Content fields are ciphertext (JWE compact), so sizes are of the ciphertext. */
export const MESSAGING_LIMITS = {
  /** Each of text, markdown and html: room for Webex's 7,439 bytes of plaintext after encryption, with margin. */
  contentChars: 16 * 1024,
  titleChars: 4 * 1024,
  keyUrlChars: 512,
  mentionedPeople: 200,
  membersPerSpace: 5000,
  /** Invitations by address a space holds at once (pending, or accepted and not yet admitted). */
  pendingInvitationsPerSpace: 500,
  /** Messages per page (default 50, as Webex). */
  messagesPageDefault: 50,
  messagesPageMax: 1000,
  /** Events replayed per batch on reconnect. */
  replayBatch: 500,
  /** How many times one message may be edited (Webex allows 10). */
  editsPerMessage: 10,
  /** Cards (`attachments`) per message: one, as Webex. */
  attachmentsPerMessage: 1,
  /** A card's sealed content (JWE of its JSON): room for the gateway's 24 KiB of card JSON after encryption. */
  attachmentChars: 40 * 1024,
} as const;
