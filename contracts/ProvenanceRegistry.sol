// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
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
     * @dev A registered signing key, in two slots: `orgId`, `registeredAt` and `revokedAt` packed in the first
     * (20 bytes), `role` in the second (left zero, and not written, for a key without a role).
     */
    struct SigningKey {
        uint32 orgId;
        uint64 registeredAt;
        uint64 revokedAt;
        bytes32 role;
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

    uint32 private _organisationCount;
    mapping(uint32 orgId => Organisation) private _organisations;
    mapping(uint32 orgId => mapping(bytes32 root => Anchor)) private _anchors;
    mapping(bytes32 keyId => SigningKey) private _signingKeys;
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
    function registerOrganisation(string calldata name, address admin, address[] calldata anchorers)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
        returns (uint32 orgId)
    {
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
    function anchor(uint32 orgId, bytes32 root, uint32 leafCount, bytes32 metadataHash)
        external
        returns (uint64 sequence)
    {
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
    function registerSigningKey(uint32 orgId, bytes32 keyId, bytes32 role) external {
        _checkOrganisationAdmin(orgId);
        if (keyId == bytes32(0)) revert ProvenanceRegistryZeroKeyId();
        if (_organisations[orgId].head == bytes32(0)) revert ProvenanceRegistryUnknownOrganisation(orgId);

        SigningKey storage key = _signingKeys[keyId];
        // A registered key has orgId != 0 forever (revocation keeps it): this refuses reuse after revocation too.
        if (key.orgId != 0) revert ProvenanceRegistrySigningKeyAlreadyRegistered(keyId, key.orgId);

        key.orgId = orgId;
        key.registeredAt = block.number.toUint64();
        if (role != bytes32(0)) key.role = role;
        emit SigningKeyRegistered(orgId, keyId, role);
    }

    /// @inheritdoc IProvenanceRegistry
    function revokeSigningKey(uint32 orgId, bytes32 keyId) external {
        _checkOrganisationAdmin(orgId);

        SigningKey storage key = _signingKeys[keyId];
        // orgId 0 is never registered, so a zero or unknown keyId (stored orgId 0) cannot match a registered org.
        if (orgId == 0 || key.orgId != orgId) revert ProvenanceRegistryUnknownSigningKey(keyId, orgId);
        uint64 revokedAt = key.revokedAt;
        if (revokedAt != 0) revert ProvenanceRegistrySigningKeyAlreadyRevoked(keyId, revokedAt);

        key.revokedAt = block.number.toUint64();
        emit SigningKeyRevoked(orgId, keyId);
    }

    /// @inheritdoc IProvenanceRegistry
    function signingKey(bytes32 keyId)
        external
        view
        returns (uint32 orgId, bytes32 role, uint64 registeredAt, uint64 revokedAt)
    {
        SigningKey storage key = _signingKeys[keyId];
        return (key.orgId, key.role, key.registeredAt, key.revokedAt);
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
    function revocationOf(uint32 orgId, bytes32 subjectDigest)
        external
        view
        returns (bool revoked, uint64 changedAt, bytes32 entryHash)
    {
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
    function organisation(uint32 orgId)
        external
        view
        returns (string memory name, bytes32 headRoot, uint64 batchCount)
    {
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
        return orgId != 0 && _anchors[orgId][root].orgId == orgId
            && MerkleProof.verifyCalldata(proof, root, ProvenanceLeaf.hash(subjectDigest, recordHash));
    }

    /// @dev Reverts with {ProvenanceRegistryUnauthorizedOrganisationAdmin} unless the caller administers `orgId`.
    function _checkOrganisationAdmin(uint32 orgId) private view {
        if (!hasRole(orgAdminRole(orgId), _msgSender())) {
            revert ProvenanceRegistryUnauthorizedOrganisationAdmin(_msgSender(), orgId);
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
