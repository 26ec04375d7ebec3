// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IProvenanceRegistry} from "./IProvenanceRegistry.sol";
import {ProvenanceLeaf} from "./ProvenanceLeaf.sol";

/**
 * @title ProvenanceRegistry
 * @notice Registry of organisations, of the Merkle roots of their provenance record batches and of their signing
 * keys.
 * @dev Roles (OpenZeppelin {AccessControl}):
 * - `DEFAULT_ADMIN_ROLE`: the registry admin; registers organisations and administers every {orgAdminRole}.
 * - `orgAdminRole(orgId)`: administers `anchorerRole(orgId)` through `grantRole` / `revokeRole`, and registers
 *   and revokes the organisation's signing keys ({registerSigningKey}, {revokeSigningKey}).
 * - `anchorerRole(orgId)`: may call {anchor} for `orgId`.
 *
 * Anchors are keyed by organisation AND root: storage per anchor is ONE new slot, `_anchors[orgId][root]` (packed
 * {Anchor}), plus an update of the organisation's head slot; the batch count is the head's `sequence`. This keeps
 * {anchor} under 60,000 gas in total. Because the key includes the organisation, an anchorer that learns another
 * organisation's root first can neither block that organisation's anchor nor make the root count as the other
 * organisation's. The metadata hash and the previous-root link live only in {BatchAnchored}; the contiguous
 * per-organisation `sequence` stored with every root lets an auditor detect a missing or forged log (see
 * `docs/registry.md`).
 *
 * Signing keys are keyed by organisation and key id too, and registering one requires a proof of possession: the
 * key's signature over {possessionMessage}, which binds the chain, this registry, the organisation, the key id and
 * the role. The registry checks the proof itself for secp256k1 keys (ecrecover) and, for every algorithm, that the
 * key id is the one derived from the public key; ed25519 and P-256 signatures cannot be checked by the EVM here, so
 * the proof is emitted in {SigningKeyRegistered} and its hash stored, and every verifier checks it (see
 * `docs/registry.md`, "Signing keys").
 *
 * Revocation of a subject (a model or dataset digest) is state keyed by organisation and subject digest, set and
 * cleared by the organisation's admin ({revokeSubject}, {reinstateSubject}), so that a verifier learns it from
 * the chain whatever evidence it was handed.
 */
contract ProvenanceRegistry is IProvenanceRegistry, AccessControl {
    using SafeCast for uint256;

    /// @dev Per-organisation state. `head` is {GENESIS_ROOT} until the first batch, then the latest root.
    struct Organisation {
        bytes32 head;
        string name;
    }

    /**
     * @dev A registered signing key, in three slots: `registeredAt`, `revokedAt` and `algorithm` packed in the
     * first (17 bytes), `role` in the second (left zero, and not written, for a key without a role), and
     * `possessionHash` in the third.
     */
    struct SigningKey {
        uint64 registeredAt;
        uint64 revokedAt;
        uint8 algorithm;
        bytes32 role;
        bytes32 possessionHash;
    }

    /**
     * @dev A subject's revocation state, in two slots: `revoked` and `changedAt` packed in the first, `entryHash`
     * in the second. Never-changed subjects read as all zero.
     */
    struct Revocation {
        bool revoked;
        uint64 changedAt;
        bytes32 entryHash;
    }

    /// @inheritdoc IProvenanceRegistry
    bytes32 public constant GENESIS_ROOT = bytes32(uint256(1));

    /// @inheritdoc IProvenanceRegistry
    bytes32 public constant ORG_ADMIN_TAG = keccak256("ProvenanceRegistry.ORG_ADMIN");

    /// @inheritdoc IProvenanceRegistry
    bytes32 public constant ANCHORER_TAG = keccak256("ProvenanceRegistry.ANCHORER");

    /// @inheritdoc IProvenanceRegistry
    bytes32 public constant SIGNING_KEY_POSSESSION_TAG = keccak256("ProvenanceRegistry.SIGNING_KEY_POSSESSION");

    /// @inheritdoc IProvenanceRegistry
    uint8 public constant KEY_ALGORITHM_SECP256K1 = 1;

    /// @inheritdoc IProvenanceRegistry
    uint8 public constant KEY_ALGORITHM_ED25519 = 2;

    /// @inheritdoc IProvenanceRegistry
    uint8 public constant KEY_ALGORITHM_P256 = 3;

    /// @dev DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), followed by the 32-byte key.
    bytes12 private constant ED25519_SPKI_PREFIX = 0x302a300506032b6570032100;
    /// @dev DER prefix of an uncompressed P-256 SubjectPublicKeyInfo (RFC 5480), followed by the 64-byte point.
    bytes27 private constant P256_SPKI_PREFIX = 0x3059301306072a8648ce3d020106082a8648ce3d03010703420004;

    bytes16 private constant _HEX_DIGITS = "0123456789abcdef";

    uint32 private _organisationCount;
    mapping(uint32 orgId => Organisation) private _organisations;
    mapping(uint32 orgId => mapping(bytes32 root => Anchor)) private _anchors;
    mapping(uint32 orgId => mapping(bytes32 keyId => SigningKey)) private _signingKeys;
    mapping(uint32 orgId => mapping(bytes32 subjectDigest => Revocation)) private _revocations;

    /**
     * @notice Deploys the registry with `admin` as registry admin (`DEFAULT_ADMIN_ROLE`).
     * @param admin The registry admin, not the zero address.
     */
    constructor(address admin) {
        if (admin == address(0)) revert ProvenanceRegistryInvalidAdmin(admin);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IProvenanceRegistry
    function registerOrganisation(
        string calldata name,
        address admin,
        address[] calldata anchorers
    ) external onlyRole(DEFAULT_ADMIN_ROLE) returns (uint32 orgId) {
        if (bytes(name).length == 0) revert ProvenanceRegistryEmptyName();
        if (admin == address(0)) revert ProvenanceRegistryInvalidAdmin(admin);

        orgId = ++_organisationCount;
        Organisation storage org = _organisations[orgId];
        org.head = GENESIS_ROOT;
        org.name = name;
        emit OrganisationRegistered(orgId, name, admin);

        bytes32 anchorers_ = anchorerRole(orgId);
        bytes32 admins = orgAdminRole(orgId);
        _setRoleAdmin(anchorers_, admins);
        _grantRole(admins, admin);
        for (uint256 i = 0; i < anchorers.length; ++i) {
            address anchorer = anchorers[i];
            if (anchorer == address(0)) revert ProvenanceRegistryInvalidAnchorer(anchorer);
            _grantRole(anchorers_, anchorer);
        }
    }

    /// @inheritdoc IProvenanceRegistry
    function anchor(
        uint32 orgId,
        bytes32 root,
        uint32 leafCount,
        bytes32 metadataHash
    ) external returns (uint64 sequence) {
        if (!hasRole(anchorerRole(orgId), _msgSender())) {
            revert ProvenanceRegistryUnauthorizedAnchorer(_msgSender(), orgId);
        }
        if (root == bytes32(0)) revert ProvenanceRegistryZeroRoot();
        if (root == GENESIS_ROOT) revert ProvenanceRegistryReservedRoot(root);
        if (leafCount == 0) revert ProvenanceRegistryZeroLeafCount();

        Organisation storage org = _organisations[orgId];
        bytes32 head = org.head;
        // Only reachable if the registry admin granted anchorerRole for an id it never registered.
        if (head == bytes32(0)) revert ProvenanceRegistryUnknownOrganisation(orgId);

        mapping(bytes32 => Anchor) storage anchors = _anchors[orgId];
        // Any anchored root has orgId != 0: checking it tests the whole packed slot in one SLOAD. Only this
        // organisation's own anchors are looked at: another organisation's anchor of the same root is no obstacle.
        if (anchors[root].orgId != 0) revert ProvenanceRegistryRootAlreadyAnchored(root, orgId);

        bytes32 previousRoot;
        if (head == GENESIS_ROOT) {
            sequence = 1;
        } else {
            previousRoot = head;
            sequence = anchors[head].sequence + 1;
        }

        anchors[root] = Anchor({
            orgId: orgId,
            sequence: sequence,
            blockNumber: block.number.toUint48(),
            timestamp: block.timestamp.toUint40(),
            leafCount: leafCount
        });
        org.head = root;
        emit BatchAnchored(orgId, sequence, root, previousRoot, leafCount, metadataHash);
    }

    /// @inheritdoc IProvenanceRegistry
    function registerSigningKey(
        uint32 orgId,
        bytes32 keyId,
        bytes32 role,
        uint8 algorithm,
        bytes calldata publicKey,
        bytes calldata proof
    ) external {
        _checkOrganisationAdmin(orgId);
        if (keyId == bytes32(0)) revert ProvenanceRegistryZeroKeyId();
        if (_organisations[orgId].head == bytes32(0)) revert ProvenanceRegistryUnknownOrganisation(orgId);

        SigningKey storage key = _signingKeys[orgId][keyId];
        // A registered key has registeredAt != 0 forever (revocation keeps it): this refuses reuse after revocation.
        if (key.registeredAt != 0) revert ProvenanceRegistrySigningKeyAlreadyRegistered(keyId, orgId);
        _checkPossession(orgId, keyId, role, algorithm, publicKey, proof);

        key.registeredAt = block.number.toUint64();
        key.algorithm = algorithm;
        if (role != bytes32(0)) key.role = role;
        key.possessionHash = keccak256(abi.encode(algorithm, publicKey, proof));
        emit SigningKeyRegistered(orgId, keyId, role, algorithm, publicKey, proof);
    }

    /// @inheritdoc IProvenanceRegistry
    function revokeSigningKey(uint32 orgId, bytes32 keyId) external {
        _checkOrganisationAdmin(orgId);

        SigningKey storage key = _signingKeys[orgId][keyId];
        if (key.registeredAt == 0) revert ProvenanceRegistryUnknownSigningKey(keyId, orgId);
        uint64 revokedAt = key.revokedAt;
        if (revokedAt != 0) revert ProvenanceRegistrySigningKeyAlreadyRevoked(keyId, revokedAt);

        key.revokedAt = block.number.toUint64();
        emit SigningKeyRevoked(orgId, keyId);
    }

    /// @inheritdoc IProvenanceRegistry
    function signingKey(
        uint32 orgId,
        bytes32 keyId
    )
        external
        view
        returns (bytes32 role, uint8 algorithm, uint64 registeredAt, uint64 revokedAt, bytes32 possessionHash)
    {
        SigningKey storage key = _signingKeys[orgId][keyId];
        return (key.role, key.algorithm, key.registeredAt, key.revokedAt, key.possessionHash);
    }

    /// @inheritdoc IProvenanceRegistry
    function possessionMessage(uint32 orgId, bytes32 keyId, bytes32 role) public view returns (bytes memory) {
        return abi.encode(SIGNING_KEY_POSSESSION_TAG, block.chainid, address(this), orgId, keyId, role);
    }

    /// @inheritdoc IProvenanceRegistry
    function revokeSubject(uint32 orgId, bytes32 subjectDigest, bytes32 entryHash) external {
        Revocation storage revocation = _checkedRevocation(orgId, subjectDigest);
        if (revocation.revoked) revert ProvenanceRegistrySubjectAlreadyRevoked(orgId, subjectDigest);
        _setRevocation(revocation, orgId, subjectDigest, true, entryHash);
    }

    /// @inheritdoc IProvenanceRegistry
    function reinstateSubject(uint32 orgId, bytes32 subjectDigest, bytes32 entryHash) external {
        Revocation storage revocation = _checkedRevocation(orgId, subjectDigest);
        if (!revocation.revoked) revert ProvenanceRegistrySubjectNotRevoked(orgId, subjectDigest);
        _setRevocation(revocation, orgId, subjectDigest, false, entryHash);
    }

    /// @inheritdoc IProvenanceRegistry
    function revocationOf(
        uint32 orgId,
        bytes32 subjectDigest
    ) external view returns (bool revoked, uint64 changedAt, bytes32 entryHash) {
        Revocation storage revocation = _revocations[orgId][subjectDigest];
        return (revocation.revoked, revocation.changedAt, revocation.entryHash);
    }

    /// @inheritdoc IProvenanceRegistry
    function anchorOf(uint32 orgId, bytes32 root) external view returns (Anchor memory) {
        return _anchors[orgId][root];
    }

    /// @inheritdoc IProvenanceRegistry
    function isAnchored(uint32 orgId, bytes32 root) external view returns (bool) {
        return _anchors[orgId][root].orgId != 0;
    }

    /// @inheritdoc IProvenanceRegistry
    function organisation(
        uint32 orgId
    ) external view returns (string memory name, bytes32 headRoot, uint64 batchCount) {
        Organisation storage org = _organisations[orgId];
        bytes32 head = org.head;
        if (head == bytes32(0)) revert ProvenanceRegistryUnknownOrganisation(orgId);
        name = org.name;
        if (head != GENESIS_ROOT) {
            headRoot = head;
            batchCount = _anchors[orgId][head].sequence;
        }
    }

    /// @inheritdoc IProvenanceRegistry
    function organisationCount() external view returns (uint32) {
        return _organisationCount;
    }

    /// @inheritdoc IProvenanceRegistry
    function orgAdminRole(uint32 orgId) public pure returns (bytes32) {
        // Same value as keccak256(abi.encode(ORG_ADMIN_TAG, orgId)), hashed in scratch space (no memory allocation).
        return Hashes.efficientKeccak256(ORG_ADMIN_TAG, bytes32(uint256(orgId)));
    }

    /// @inheritdoc IProvenanceRegistry
    function anchorerRole(uint32 orgId) public pure returns (bytes32) {
        // Same value as keccak256(abi.encode(ANCHORER_TAG, orgId)); on every anchor's path, so no memory allocation.
        return Hashes.efficientKeccak256(ANCHORER_TAG, bytes32(uint256(orgId)));
    }

    /// @inheritdoc IProvenanceRegistry
    function leafOf(bytes32 subjectDigest, bytes32 recordHash) external pure returns (bytes32) {
        return ProvenanceLeaf.hash(subjectDigest, recordHash);
    }

    /// @inheritdoc IProvenanceRegistry
    function verifyRecordBy(
        uint32 orgId,
        bytes32 root,
        bytes32[] calldata proof,
        bytes32 subjectDigest,
        bytes32 recordHash
    ) external view returns (bool) {
        return
            orgId != 0 &&
            _anchors[orgId][root].orgId == orgId &&
            MerkleProof.verifyCalldata(proof, root, ProvenanceLeaf.hash(subjectDigest, recordHash));
    }

    /// @dev Reverts with {ProvenanceRegistryUnauthorizedOrganisationAdmin} unless the caller administers `orgId`.
    function _checkOrganisationAdmin(uint32 orgId) private view {
        if (!hasRole(orgAdminRole(orgId), _msgSender())) {
            revert ProvenanceRegistryUnauthorizedOrganisationAdmin(_msgSender(), orgId);
        }
    }

    /**
     * @dev Reverts unless `publicKey` is a well-formed key of `algorithm` whose key id is `keyId`, and, for
     * secp256k1, unless `proof` is its signature over {possessionMessage}. For ed25519 and P-256 only the shape of
     * `proof` is checked here; verifiers check the signature (the EVM has no ed25519, and P-256 needs a precompile
     * the target chains may lack).
     */
    function _checkPossession(
        uint32 orgId,
        bytes32 keyId,
        bytes32 role,
        uint8 algorithm,
        bytes calldata publicKey,
        bytes calldata proof
    ) private view {
        if (algorithm == KEY_ALGORITHM_SECP256K1) {
            // The key is the 20-byte address; its key id is SHA-256 of its lower-case 0x hex (the DSSE keyid).
            if (publicKey.length != 20) revert ProvenanceRegistryInvalidSigningPublicKey(keyId, algorithm);
            address account = address(bytes20(publicKey));
            if (sha256(bytes(Strings.toHexString(account))) != keyId) {
                revert ProvenanceRegistrySigningKeyIdMismatch(keyId, algorithm);
            }
            if (proof.length != 65) revert ProvenanceRegistryInvalidPossessionProof(keyId);
            // Signed like a DSSE signature of this project: ECDSA over SHA-256 of the message, r || s || v, low s.
            (address recovered, ECDSA.RecoverError error, ) = ECDSA.tryRecoverCalldata(
                sha256(possessionMessage(orgId, keyId, role)),
                proof
            );
            if (error != ECDSA.RecoverError.NoError || recovered != account) {
                revert ProvenanceRegistryInvalidPossessionProof(keyId);
            }
        } else if (algorithm == KEY_ALGORITHM_ED25519 || algorithm == KEY_ALGORITHM_P256) {
            bool ed25519 = algorithm == KEY_ALGORITHM_ED25519;
            bool wellFormed =
                ed25519
                    ? publicKey.length == 44 && bytes12(publicKey[:12]) == ED25519_SPKI_PREFIX
                    : publicKey.length == 91 && bytes27(publicKey[:27]) == P256_SPKI_PREFIX;
            if (!wellFormed) revert ProvenanceRegistryInvalidSigningPublicKey(keyId, algorithm);
            // The key id is SHA-256 of the DSSE keyid "sha256:" + lower-case hex of SHA-256(SPKI DER).
            if (sha256(abi.encodePacked("sha256:", _lowerHex(sha256(publicKey)))) != keyId) {
                revert ProvenanceRegistrySigningKeyIdMismatch(keyId, algorithm);
            }
            // Ed25519 signatures are 64 bytes; P-256 ones are DER, at most 72 bytes.
            if (ed25519 ? proof.length != 64 : proof.length < 8 || proof.length > 72) {
                revert ProvenanceRegistryInvalidPossessionProof(keyId);
            }
        } else {
            revert ProvenanceRegistryUnsupportedKeyAlgorithm(algorithm);
        }
    }

    /// @dev The 64 lower-case hex digits of `value`.
    function _lowerHex(bytes32 value) private pure returns (bytes memory digits) {
        digits = new bytes(64);
        for (uint256 i = 0; i < 32; ++i) {
            uint8 b = uint8(value[i]);
            digits[2 * i] = _HEX_DIGITS[b >> 4];
            digits[2 * i + 1] = _HEX_DIGITS[b & 0x0f];
        }
    }

    /**
     * @dev The revocation slot of (`orgId`, `subjectDigest`) after the checks {revokeSubject} and
     * {reinstateSubject} share: caller is an admin of `orgId`, the digest is not zero, the organisation exists.
     */
    function _checkedRevocation(uint32 orgId, bytes32 subjectDigest) private view returns (Revocation storage) {
        _checkOrganisationAdmin(orgId);
        if (subjectDigest == bytes32(0)) revert ProvenanceRegistryZeroSubjectDigest();
        if (_organisations[orgId].head == bytes32(0)) revert ProvenanceRegistryUnknownOrganisation(orgId);
        return _revocations[orgId][subjectDigest];
    }

    /// @dev Writes a revocation change and emits {SubjectRevocationChanged} right after it.
    function _setRevocation(
        Revocation storage revocation,
        uint32 orgId,
        bytes32 subjectDigest,
        bool revoked,
        bytes32 entryHash
    ) private {
        revocation.revoked = revoked;
        revocation.changedAt = block.number.toUint64();
        revocation.entryHash = entryHash;
        emit SubjectRevocationChanged(orgId, subjectDigest, revoked, entryHash);
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view virtual override returns (bool) {
        return interfaceId == type(IProvenanceRegistry).interfaceId || super.supportsInterface(interfaceId);
    }
}
