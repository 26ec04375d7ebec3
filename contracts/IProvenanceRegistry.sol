// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IProvenanceRegistry
 * @notice Anchors Merkle roots of AI-model provenance record batches, per organisation, answers whether a
 * record is included in a batch an organisation anchored, records which signing keys belong to which organisation,
 * and holds each organisation's revocation state of the subjects (models, datasets) it vouched for.
 * @dev Events, custom errors and structs of {ProvenanceRegistry}. See `docs/registry.md` for the storage layout,
 * the gas budget and the procedure an auditor follows to enumerate every batch of an organisation.
 */
interface IProvenanceRegistry {
    /**
     * @notice What the registry stores for an anchored root: one packed storage slot (27 bytes).
     * @dev The batch's `metadataHash` and the previous root of the organisation are only in the
     * {BatchAnchored} event: storing them would cost two more fresh slots (2 x 22,100 gas) per anchor.
     * @param orgId Organisation that anchored the root (never 0 for an anchored root).
     * @param sequence Position of the batch in the organisation's history, starting at 1, contiguous.
     * @param blockNumber Block in which the root was anchored (where to find its {BatchAnchored} log).
     * @param timestamp Timestamp of that block: the time the registry attests the batch existed by.
     * @param leafCount Number of records (leaves) in the batch, as declared by the anchorer.
     */
    struct Anchor {
        uint32 orgId;
        uint64 sequence;
        uint48 blockNumber;
        uint40 timestamp;
        uint32 leafCount;
    }

    /**
     * @notice Emitted when the registry admin registers organisation `orgId`, whose first admin is `admin`.
     * @param orgId The new organisation's id (ids start at 1 and are contiguous).
     * @param name Human-readable name of the organisation.
     * @param admin Account granted {orgAdminRole} for `orgId`.
     */
    event OrganisationRegistered(uint32 indexed orgId, string name, address indexed admin);

    /**
     * @notice Emitted when an admin of organisation `orgId` revokes (`revoked` true) or reinstates (`revoked`
     * false) subject `subjectDigest`, right after the state change.
     * @param orgId Organisation whose revocation state changed.
     * @param subjectDigest SHA-256 digest of the subject, as in-toto statements carry it.
     * @param revoked The new state.
     * @param entryHash Hash of the signed attestation envelope that explains the change, or `bytes32(0)`.
     */
    event SubjectRevocationChanged(
        uint32 indexed orgId,
        bytes32 indexed subjectDigest,
        bool revoked,
        bytes32 entryHash
    );

    /**
     * @notice Emitted when organisation `orgId` anchors batch number `sequence` with Merkle root `root`.
     * @param orgId Organisation that anchored the batch.
     * @param sequence Position of the batch in the organisation's history (1, 2, 3, ... without gaps).
     * @param root Merkle root of the batch.
     * @param previousRoot Root of the organisation's batch `sequence - 1`, or `bytes32(0)` for its first batch.
     * @param leafCount Number of records in the batch.
     * @param metadataHash Hash of the batch's off-chain metadata (not interpreted by the registry).
     */
    event BatchAnchored(
        uint32 indexed orgId,
        uint64 indexed sequence,
        bytes32 indexed root,
        bytes32 previousRoot,
        uint32 leafCount,
        bytes32 metadataHash
    );

    /**
     * @notice Emitted when an admin of organisation `orgId` registers signing key `keyId` with role `role`, right
     * after the state change. Carries the proof of possession, so that anyone can check it (for ed25519 and P-256
     * keys every verifier must: the registry checks only their key id and shape; see {registerSigningKey}).
     * @param orgId Organisation the key now belongs to.
     * @param keyId Key id: SHA-256 of the UTF-8 DSSE `keyid`.
     * @param role Opaque role label (off-chain: keccak256 of a UTF-8 role name), `bytes32(0)` for none.
     * @param algorithm {KEY_ALGORITHM_SECP256K1}, {KEY_ALGORITHM_ED25519} or {KEY_ALGORITHM_P256}.
     * @param publicKey The 20-byte address (secp256k1) or the DER SubjectPublicKeyInfo (ed25519, P-256).
     * @param proof The key's signature over `possessionMessage(orgId, keyId, role)`.
     */
    event SigningKeyRegistered(
        uint32 indexed orgId,
        bytes32 indexed keyId,
        bytes32 role,
        uint8 algorithm,
        bytes publicKey,
        bytes proof
    );

    /**
     * @notice Emitted when an admin of organisation `orgId` revokes its signing key `keyId`.
     * @param orgId Organisation the key belongs to.
     * @param keyId The revoked key id.
     */
    event SigningKeyRevoked(uint32 indexed orgId, bytes32 indexed keyId);

    /// @notice An organisation cannot have an empty name.
    error ProvenanceRegistryEmptyName();

    /// @notice `admin` (the zero address) cannot be the registry admin or an organisation admin.
    error ProvenanceRegistryInvalidAdmin(address admin);

    /// @notice `anchorer` (the zero address) cannot anchor for an organisation.
    error ProvenanceRegistryInvalidAnchorer(address anchorer);

    /// @notice No organisation has id `orgId`.
    error ProvenanceRegistryUnknownOrganisation(uint32 orgId);

    /// @notice `account` does not hold {anchorerRole} for organisation `orgId`.
    error ProvenanceRegistryUnauthorizedAnchorer(address account, uint32 orgId);

    /// @notice The zero root cannot be anchored.
    error ProvenanceRegistryZeroRoot();

    /// @notice `root` is the registry's internal head sentinel ({GENESIS_ROOT}) and cannot be anchored.
    error ProvenanceRegistryReservedRoot(bytes32 root);

    /// @notice A batch must contain at least one record.
    error ProvenanceRegistryZeroLeafCount();

    /// @notice Organisation `orgId` already anchored `root` (another organisation's anchor of it is no obstacle).
    error ProvenanceRegistryRootAlreadyAnchored(bytes32 root, uint32 orgId);

    /// @notice The zero subject digest cannot be revoked or reinstated.
    error ProvenanceRegistryZeroSubjectDigest();

    /// @notice Organisation `orgId` has already revoked `subjectDigest` (and not reinstated it since).
    error ProvenanceRegistrySubjectAlreadyRevoked(uint32 orgId, bytes32 subjectDigest);

    /// @notice Organisation `orgId` has not revoked `subjectDigest`, so there is nothing to reinstate.
    error ProvenanceRegistrySubjectNotRevoked(uint32 orgId, bytes32 subjectDigest);

    /// @notice `account` does not hold {orgAdminRole} for organisation `orgId`.
    error ProvenanceRegistryUnauthorizedOrganisationAdmin(address account, uint32 orgId);

    /// @notice The zero key id cannot be registered (a zero id would be indistinguishable from "no key").
    error ProvenanceRegistryZeroKeyId();

    /// @notice Organisation `orgId` already registered `keyId`; an organisation never reuses a key id, even once revoked.
    error ProvenanceRegistrySigningKeyAlreadyRegistered(bytes32 keyId, uint32 orgId);

    /// @notice `algorithm` is not {KEY_ALGORITHM_SECP256K1}, {KEY_ALGORITHM_ED25519} or {KEY_ALGORITHM_P256}.
    error ProvenanceRegistryUnsupportedKeyAlgorithm(uint8 algorithm);

    /// @notice The public key given for `keyId` is not a well-formed key of `algorithm`.
    error ProvenanceRegistryInvalidSigningPublicKey(bytes32 keyId, uint8 algorithm);

    /// @notice `keyId` is not the key id of the public key given (of `algorithm`).
    error ProvenanceRegistrySigningKeyIdMismatch(bytes32 keyId, uint8 algorithm);

    /// @notice The proof of possession of `keyId` is malformed, or (secp256k1) not the key's signature over
    /// {possessionMessage}.
    error ProvenanceRegistryInvalidPossessionProof(bytes32 keyId);

    /// @notice Organisation `orgId` has no signing key `keyId` (unknown, or registered to another organisation).
    error ProvenanceRegistryUnknownSigningKey(bytes32 keyId, uint32 orgId);

    /// @notice `keyId` was already revoked, in block `revokedAt`.
    error ProvenanceRegistrySigningKeyAlreadyRevoked(bytes32 keyId, uint64 revokedAt);

    /**
     * @notice The value an organisation's head holds until its first batch; it can never be anchored.
     * @dev Keeps the head slot non-zero from registration on, so that the first anchor updates an existing slot
     * (5,000 gas) instead of creating one (22,100 gas). Views report it as `bytes32(0)`.
     * @return `bytes32(uint256(1))`.
     */
    function GENESIS_ROOT() external view returns (bytes32);

    /**
     * @notice Tag hashed with an organisation id to derive {orgAdminRole}.
     * @return `keccak256("ProvenanceRegistry.ORG_ADMIN")`.
     */
    function ORG_ADMIN_TAG() external view returns (bytes32);

    /**
     * @notice Tag hashed with an organisation id to derive {anchorerRole}.
     * @return `keccak256("ProvenanceRegistry.ANCHORER")`.
     */
    function ANCHORER_TAG() external view returns (bytes32);

    /**
     * @notice Tag that starts every {possessionMessage}.
     * @return `keccak256("ProvenanceRegistry.SIGNING_KEY_POSSESSION")`.
     */
    function SIGNING_KEY_POSSESSION_TAG() external view returns (bytes32);

    /**
     * @notice Algorithm code of a secp256k1 signing key (checked on chain with ecrecover).
     * @return 1.
     */
    function KEY_ALGORITHM_SECP256K1() external view returns (uint8);

    /**
     * @notice Algorithm code of an Ed25519 signing key.
     * @return 2.
     */
    function KEY_ALGORITHM_ED25519() external view returns (uint8);

    /**
     * @notice Algorithm code of a P-256 (secp256r1) signing key.
     * @return 3.
     */
    function KEY_ALGORITHM_P256() external view returns (uint8);

    /**
     * @notice Registers an organisation. Only the registry admin (`DEFAULT_ADMIN_ROLE`) may call it.
     * @dev Grants {orgAdminRole} to `admin` and {anchorerRole} to each of `anchorers`, and makes
     * {orgAdminRole} the admin role of {anchorerRole}, so the organisation admin manages its own anchorers
     * through `grantRole` / `revokeRole`. Emits {OrganisationRegistered}.
     * @param name Human-readable name, not empty.
     * @param admin First organisation admin, not the zero address.
     * @param anchorers Accounts allowed to anchor for the organisation from the start (may be empty).
     * @return orgId The new organisation's id (the first is 1).
     */
    function registerOrganisation(
        string calldata name,
        address admin,
        address[] calldata anchorers
    ) external returns (uint32 orgId);

    /**
     * @notice Anchors the Merkle root of a batch of provenance records for organisation `orgId`.
     * @dev Caller must hold {anchorerRole} for `orgId`. An organisation anchors a root at most once; the same
     * root anchored by another organisation, before or after, is a separate anchor that does not affect this
     * one (anchors are keyed by `(orgId, root)`). Emits {BatchAnchored}. Costs under 60,000 gas in total (see
     * `docs/registry.md`).
     * @param orgId Organisation anchoring the batch.
     * @param root Merkle root of the batch (leaves per {ProvenanceLeaf}); not zero, not {GENESIS_ROOT}.
     * @param leafCount Number of records in the batch, at least 1.
     * @param metadataHash Hash of the batch metadata; only emitted, not stored.
     * @return sequence Position of the batch in the organisation's history (the first is 1).
     */
    function anchor(
        uint32 orgId,
        bytes32 root,
        uint32 leafCount,
        bytes32 metadataHash
    ) external returns (uint64 sequence);

    /**
     * @notice Registers signing key `keyId` for organisation `orgId`, with role `role`, given the key's proof of
     * possession.
     * @dev Caller must hold {orgAdminRole} for `orgId`. Signing keys are keyed by organisation and key id: an
     * organisation registers a key id at most once, and never again after it is revoked; another organisation's
     * registration of the same key id is a separate entry that needs its own proof (the proof binds `orgId`), so
     * registering a key id first, without the key, neither blocks nor claims the rightful registration.
     *
     * `proof` is the key's signature over `possessionMessage(orgId, keyId, role)` (the chain ID, this registry,
     * the organisation, the key id and the role), made like a DSSE signature of the same algorithm: secp256k1 signs
     * SHA-256 of the message (65 bytes `r || s || v`, low `s`, `v` 27 or 28); ed25519 signs the message (64 bytes);
     * P-256 signs it with ECDSA over SHA-256 (DER). The registry checks that `keyId` is the key id of `publicKey`
     * for every algorithm, and the signature itself for secp256k1. It cannot check ed25519 or P-256 signatures:
     * it checks their length, stores `keccak256(abi.encode(algorithm, publicKey, proof))` as `possessionHash`,
     * and emits the proof in {SigningKeyRegistered}, where every verifier checks it before counting the key.
     * Records the current block as `registeredAt`.
     * @param orgId A registered organisation.
     * @param keyId Non-zero key id: SHA-256 of the UTF-8 DSSE `keyid` (the lower-case 0x address for secp256k1,
     * `sha256:` + hex SHA-256 of the SPKI DER for ed25519 and P-256).
     * @param role Opaque role label (off-chain: keccak256 of a UTF-8 role name such as "approver"); `bytes32(0)`
     * means "no role". Bound by the proof: the key holder consents to the role, not only the admin.
     * @param algorithm {KEY_ALGORITHM_SECP256K1}, {KEY_ALGORITHM_ED25519} or {KEY_ALGORITHM_P256}.
     * @param publicKey The 20-byte address (secp256k1), or the DER SubjectPublicKeyInfo: 44 bytes (ed25519) or
     * 91 bytes, uncompressed point (P-256).
     * @param proof The key's signature over `possessionMessage(orgId, keyId, role)`.
     */
    function registerSigningKey(
        uint32 orgId,
        bytes32 keyId,
        bytes32 role,
        uint8 algorithm,
        bytes calldata publicKey,
        bytes calldata proof
    ) external;

    /**
     * @notice Revokes organisation `orgId`'s signing key `keyId` from the current block on.
     * @dev Caller must hold {orgAdminRole} for `orgId`. Records the current block as `revokedAt`; a key is revoked
     * once and stays revoked (its id cannot be registered again). Emits {SigningKeyRevoked}.
     * @param orgId The organisation the key is registered to.
     * @param keyId A key of `orgId` that is not revoked.
     */
    function revokeSigningKey(uint32 orgId, bytes32 keyId) external;

    /**
     * @notice What the registry stores for organisation `orgId`'s signing key `keyId`.
     * @dev A signature by `keyId` on an envelope that organisation `orgId` anchored in block `anchorBlock` counts
     * if and only if `registeredAt != 0 && registeredAt <= anchorBlock && (revokedAt == 0 || anchorBlock <
     * revokedAt)` and the proof of possession in the registration's {SigningKeyRegistered} log (block
     * `registeredAt`, topics `orgId` and `keyId`) hashes to `possessionHash` and is a valid signature by the key
     * over `possessionMessage(orgId, keyId, role)`. The registry does not apply this rule; the off-chain verifier
     * does. Consequently a key revoked in block `R` still vouches for envelopes anchored before `R`, and a key
     * registered and revoked in the same block never vouches for anything. Block numbers are those of the
     * registering and revoking transactions (never 0: the genesis block holds no transactions).
     * @param orgId An organisation id.
     * @param keyId A key id.
     * @return role The key's role label, `bytes32(0)` for none.
     * @return algorithm The key's algorithm; 0 if `orgId` never registered the key.
     * @return registeredAt Block in which `orgId` registered the key; 0 if never.
     * @return revokedAt Block in which `orgId` revoked the key; 0 while it is active.
     * @return possessionHash `keccak256(abi.encode(algorithm, publicKey, proof))` of the registration.
     */
    function signingKey(
        uint32 orgId,
        bytes32 keyId
    )
        external
        view
        returns (bytes32 role, uint8 algorithm, uint64 registeredAt, uint64 revokedAt, bytes32 possessionHash);

    /**
     * @notice The message a signing key signs to prove possession when organisation `orgId` registers it as
     * `keyId` with role `role` in this registry on this chain.
     * @param orgId The organisation registering the key.
     * @param keyId The key's id (see {registerSigningKey}).
     * @param role The role the key is registered with.
     * @return `abi.encode(SIGNING_KEY_POSSESSION_TAG, block.chainid, address(this), orgId, keyId, role)` (192
     * bytes; the leading tag keeps it apart from a DSSE PAE, which starts with "DSSEv1 ").
     */
    function possessionMessage(uint32 orgId, bytes32 keyId, bytes32 role) external view returns (bytes memory);

    /**
     * @notice Marks subject `subjectDigest` as revoked by organisation `orgId` from the current block on.
     * @dev Caller must hold {orgAdminRole} for `orgId`. Records the current block as `changedAt` and `entryHash`.
     * Emits {SubjectRevocationChanged}. The state is per organisation: one organisation's revocation says nothing
     * about another's; a verifier decides which organisations' revocations count (at least the organisation that
     * anchored the subject's evidence).
     * @param orgId A registered organisation.
     * @param subjectDigest Non-zero SHA-256 digest of the subject, as in-toto statements carry it.
     * @param entryHash Hash of the signed revocation attestation envelope that explains it (its ledger entry
     * hash), or `bytes32(0)`. Not interpreted here.
     */
    function revokeSubject(uint32 orgId, bytes32 subjectDigest, bytes32 entryHash) external;

    /**
     * @notice Clears organisation `orgId`'s revocation of subject `subjectDigest` from the current block on.
     * @dev Caller must hold {orgAdminRole} for `orgId`; the subject must be revoked by `orgId`. Records the
     * current block as `changedAt` and `entryHash`. Emits {SubjectRevocationChanged}.
     * @param orgId A registered organisation.
     * @param subjectDigest A subject digest `orgId` revoked.
     * @param entryHash Hash of the signed attestation envelope that explains the reinstatement, or `bytes32(0)`.
     */
    function reinstateSubject(uint32 orgId, bytes32 subjectDigest, bytes32 entryHash) external;

    /**
     * @notice Organisation `orgId`'s current revocation state of subject `subjectDigest`.
     * @dev The history is in the {SubjectRevocationChanged} logs (indexed by `orgId` and `subjectDigest`).
     * @param orgId An organisation id.
     * @param subjectDigest A subject digest.
     * @return revoked Whether `orgId` currently revokes the subject.
     * @return changedAt Block of the last change, 0 if the state never changed.
     * @return entryHash Hash of the attestation envelope that explains the last change, or `bytes32(0)`.
     */
    function revocationOf(
        uint32 orgId,
        bytes32 subjectDigest
    ) external view returns (bool revoked, uint64 changedAt, bytes32 entryHash);

    /**
     * @notice What the registry stores for organisation `orgId`'s anchor of `root`.
     * @param orgId The organisation whose anchor is asked for.
     * @param root A Merkle root.
     * @return The stored {Anchor}, or a zeroed struct if `orgId` never anchored `root` (even if another
     * organisation did).
     */
    function anchorOf(uint32 orgId, bytes32 root) external view returns (Anchor memory);

    /**
     * @notice Whether organisation `orgId` has anchored `root`.
     * @param orgId An organisation id.
     * @param root A Merkle root.
     * @return True if `orgId` anchored `root`.
     */
    function isAnchored(uint32 orgId, bytes32 root) external view returns (bool);

    /**
     * @notice An organisation's name, latest anchored root and number of anchored batches.
     * @dev Reverts with {ProvenanceRegistryUnknownOrganisation} if `orgId` is not registered.
     * @param orgId A registered organisation id.
     * @return name The organisation's name.
     * @return headRoot The root of its latest batch, `bytes32(0)` if it anchored none.
     * @return batchCount Number of batches it anchored (= the sequence of `headRoot`).
     */
    function organisation(uint32 orgId) external view returns (string memory name, bytes32 headRoot, uint64 batchCount);

    /**
     * @notice Number of registered organisations; ids run from 1 to this number.
     * @return The count.
     */
    function organisationCount() external view returns (uint32);

    /**
     * @notice The role of organisation `orgId`'s admins: `keccak256(abi.encode(ORG_ADMIN_TAG, orgId))`.
     * @dev Its admin role is `DEFAULT_ADMIN_ROLE`.
     * @param orgId An organisation id (registered or not).
     * @return The role identifier.
     */
    function orgAdminRole(uint32 orgId) external pure returns (bytes32);

    /**
     * @notice The role of organisation `orgId`'s anchorers: `keccak256(abi.encode(ANCHORER_TAG, orgId))`.
     * @dev Its admin role is `orgAdminRole(orgId)` once the organisation is registered.
     * @param orgId An organisation id (registered or not).
     * @return The role identifier.
     */
    function anchorerRole(uint32 orgId) external pure returns (bytes32);

    /**
     * @notice The Merkle leaf of a record, per {ProvenanceLeaf-hash}; lets off-chain code check its own leaf rule.
     * @param subjectDigest Digest of the subject (model artefact).
     * @param recordHash Hash of the provenance record.
     * @return The leaf.
     */
    function leafOf(bytes32 subjectDigest, bytes32 recordHash) external pure returns (bytes32);

    /**
     * @notice Whether the record (`subjectDigest`, `recordHash`) is in the batch with root `root` and
     * organisation `orgId` anchored that root.
     * @dev There is no "anchored by any organisation" variant: a root is only meaningful together with the
     * organisation that anchored it. `proof` is a standard OpenZeppelin Merkle proof (sorted-pair hashing).
     * @param orgId Organisation the caller trusts.
     * @param root Anchored Merkle root.
     * @param proof Sibling hashes from the leaf up to `root`.
     * @param subjectDigest Digest of the subject (model artefact).
     * @param recordHash Hash of the provenance record.
     * @return True if `orgId` anchored `root` and the proof holds.
     */
    function verifyRecordBy(
        uint32 orgId,
        bytes32 root,
        bytes32[] calldata proof,
        bytes32 subjectDigest,
        bytes32 recordHash
    ) external view returns (bool);
}
