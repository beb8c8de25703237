/**
 * The KMS's own tables (Kysely types). Times are epoch milliseconds; secret columns hold sealed
 * values (see sealing.ts), never raw key bytes.
 * @module
 */
export interface KmsPkiTable {
  /** 'ca' or 'static'. */
  name: string;
  cert_der: string;
  private_key_sealed: string;
  created_at: number;
}

export interface KmsEphemeralKeysTable {
  uri: string;
  key_sealed: string;
  user_id: string;
  client_id: string;
  created_at: number;
  expires_at: number;
}

export interface KmsKeysTable {
  uri: string;
  key_sealed: string;
  user_id: string;
  client_id: string;
  created_at: number;
  expires_at: number;
  resource_uri: string | null;
  bound_at: number | null;
}

export interface KmsResourcesTable {
  uri: string;
  created_by: string;
  created_at: number;
  /** The room this resource protects (unique), its team when it is a team's general space. */
  room_id: string | null;
  team_id: string | null;
  bound_by: string | null;
  bound_at: number | null;
  /** The organization of the person who created it (as the core vouched at creation): whose compliance officers may read its keys. */
  org_id: string | null;
}

export interface KmsOfficersTable {
  org_id: string;
  user_id: string;
  label: string;
  /** 'operator' (the KMS's own CLI) or the person id of the security admin who granted it. */
  granted_by: string;
  granted_at: number;
}

export interface KmsCredentialsTable {
  /** Public id (UUIDv7), named in the audit log. */
  id: string;
  user_id: string;
  /**
   * 'device' (a device's random secret, or a bot token's derived one), 'password' (password-derived,
   * one per user), 'recovery' (the person's recovery key, one per user) or 'enrollment' (a one-time
   * code the KMS's operator issued, for a first device under FLINT_KMS_FIRST_DEVICE=approval).
   */
  kind: 'device' | 'password' | 'recovery' | 'enrollment';
  /** SHA-256 hex of the secret; the secret itself is never stored. */
  hash: string;
  /** The client id the device first came with. */
  label: string | null;
  /** 'first-use', 'password', 'device:<id>' (approved by that device) or 'device:<id>' for a password set by it. */
  enrolled_via: string;
  created_at: number;
}

export interface KmsAuthorizationsTable {
  uri: string;
  resource_uri: string;
  auth_id: string;
  created_by: string;
  created_at: number;
}

export interface KmsAuditTable {
  /** UUIDv7: time-ordered, so reading by id is reading in order. */
  id: string;
  at: number;
  user_id: string | null;
  org_id: string | null;
  client_id: string | null;
  request_id: string | null;
  action: string;
  target: string | null;
  status: number;
  detail: string | null;
  credential_id: string | null;
  address: string | null;
  /** 'core-reported' (named by the relay beside the opaque message) or 'kms-observed' (the KMS listener's peer). */
  address_source: string | null;
}

export interface KmsPrincipalsTable {
  user_id: string;
  /** The organization the core named at the person's first KMS request; later requests must agree. */
  org_id: string;
  idp_issuer: string | null;
  /** The org's identity provider's `sub` for this person, from their first proof; later proofs must agree. */
  idp_subject: string | null;
  created_at: number;
}

export interface KmsIdpTable {
  org_id: string;
  /** The provider's issuer, exactly as its ID tokens name it. */
  issuer: string;
  /** Flint's client id at the provider: the ID tokens' audience. */
  client_id: string;
  set_at: number;
}

/** The KMS's own retention rule per organization (migration 0006), set by its operator only. */
export interface KmsRetentionTable {
  org_id: string;
  message_days: number;
  set_by: string;
  set_at: number;
}

/** A legal hold the KMS honours (migration 0006): no key of what it covers is shredded. */
export interface KmsHoldsTable {
  id: string;
  org_id: string;
  room_id: string | null;
  user_id: string | null;
  created_by: string;
  created_at: number;
}

/** A part of a mail's audio waiting to be sent (voicemail to e-mail; migration 0007), sealed with the master key. */
export interface KmsMailPartsTable {
  user_id: string;
  mail_id: string;
  idx: number;
  data_sealed: string;
  created_at: number;
}

export interface KmsDatabase {
  kms_mail_parts: KmsMailPartsTable;
  kms_retention: KmsRetentionTable;
  kms_holds: KmsHoldsTable;
  kms_pki: KmsPkiTable;
  kms_ephemeral_keys: KmsEphemeralKeysTable;
  kms_keys: KmsKeysTable;
  kms_resources: KmsResourcesTable;
  kms_authorizations: KmsAuthorizationsTable;
  kms_audit: KmsAuditTable;
  kms_credentials: KmsCredentialsTable;
  kms_officers: KmsOfficersTable;
  kms_principals: KmsPrincipalsTable;
  kms_idp: KmsIdpTable;
}
