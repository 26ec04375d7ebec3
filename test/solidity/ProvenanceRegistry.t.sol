// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IProvenanceRegistry} from "../../contracts/IProvenanceRegistry.sol";
import {ProvenanceLeaf} from "../../contracts/ProvenanceLeaf.sol";
import {RegistryTestBase} from "./RegistryTestBase.sol";
import {vm} from "./Vm.sol";

contract ProvenanceRegistryTest is RegistryTestBase {
    // ---- default behaviour ------------------------------------------------------------------------------------

    function testFuzz_AnchorStoresOnePackedAnchor(
        bytes32 root,
        uint32 leafCount,
        bytes32 metadataHash,
        uint48 blockNumber,
        uint40 timestamp
    ) public {
        vm.assume(uint256(root) > 1 && leafCount != 0 && blockNumber != 0 && timestamp != 0);
        vm.roll(blockNumber);
        vm.warp(timestamp);

        vm.expectEmit();
        emit IProvenanceRegistry.BatchAnchored(1, 1, root, bytes32(0), leafCount, metadataHash);
        vm.prank(ORG1_ANCHORER);
        uint64 sequence = registry.anchor(1, root, leafCount, metadataHash);

        require(sequence == 1, "first sequence is 1");
        IProvenanceRegistry.Anchor memory stored = registry.anchorOf(1, root);
        require(stored.orgId == 1, "orgId stored");
        require(stored.sequence == 1, "sequence stored");
        require(stored.blockNumber == blockNumber, "block number stored");
        require(stored.timestamp == timestamp, "timestamp stored");
        require(stored.leafCount == leafCount, "leafCount stored");
        require(registry.isAnchored(1, root), "root anchored");
        require(!registry.isAnchored(2, root), "not anchored by the other organisation");
        require(registry.anchorOf(2, root).orgId == 0, "the other organisation's anchor is a zeroed struct");

        (string memory name, bytes32 head, uint64 batchCount) = registry.organisation(1);
        require(keccak256(bytes(name)) == keccak256("Org One"), "name kept");
        require(head == root, "head is the new root");
        require(batchCount == 1, "one batch");
        (, bytes32 otherHead, uint64 otherCount) = registry.organisation(2);
        require(otherHead == bytes32(0) && otherCount == 0, "other organisation untouched");
    }

    function testFuzz_SequencesAndPreviousRootsChainPerOrganisation(bytes32 seed, uint8 batches) public {
        uint256 n = 1 + (uint256(batches) % 12);
        bytes32[2] memory previous;
        for (uint256 i = 0; i < n; ++i) {
            for (uint32 orgId = 1; orgId <= 2; ++orgId) {
                bytes32 root = keccak256(abi.encode(seed, orgId, i));
                vm.expectEmit();
                emit IProvenanceRegistry.BatchAnchored(orgId, uint64(i + 1), root, previous[orgId - 1], 7, seed);
                vm.prank(orgId == 1 ? ORG1_ANCHORER : ORG2_ANCHORER);
                require(registry.anchor(orgId, root, 7, seed) == i + 1, "contiguous per-organisation sequence");
                require(registry.anchorOf(orgId, root).sequence == i + 1, "sequence stored with the root");
                previous[orgId - 1] = root;
            }
        }
        for (uint32 orgId = 1; orgId <= 2; ++orgId) {
            (, bytes32 head, uint64 batchCount) = registry.organisation(orgId);
            require(head == previous[orgId - 1], "head is the latest root");
            require(batchCount == n, "batch count is the head's sequence");
        }
    }

    function testFuzz_LeafMatchesInlineRule(bytes32 subjectDigest, bytes32 recordHash) public view {
        // Independent formulation: abi.encode of two bytes32 is their 64-byte concatenation.
        bytes32 inner = keccak256(abi.encodePacked(subjectDigest, recordHash));
        bytes32 expected = keccak256(abi.encodePacked(inner));
        require(ProvenanceLeaf.hash(subjectDigest, recordHash) == expected, "library leaf rule");
        require(registry.leafOf(subjectDigest, recordHash) == expected, "registry leafOf");
    }

    function testFuzz_VerifyRecordInTwoLeafTree(
        bytes32 subject1,
        bytes32 record1,
        bytes32 subject2,
        bytes32 record2
    ) public {
        vm.assume(subject1 != subject2 || record1 != record2);
        bytes32 leaf1 = ProvenanceLeaf.hash(subject1, record1);
        bytes32 leaf2 = ProvenanceLeaf.hash(subject2, record2);
        bytes32 root = _hashPair(leaf1, leaf2);
        bytes32[] memory proofFor1 = new bytes32[](1);
        proofFor1[0] = leaf2;
        bytes32[] memory proofFor2 = new bytes32[](1);
        proofFor2[0] = leaf1;

        require(!registry.verifyRecordBy(2, root, proofFor1, subject1, record1), "unanchored root does not verify");

        vm.prank(ORG2_ANCHORER);
        registry.anchor(2, root, 2, bytes32(0));

        require(registry.verifyRecordBy(2, root, proofFor1, subject1, record1), "record 1 verifies for org 2");
        require(registry.verifyRecordBy(2, root, proofFor2, subject2, record2), "record 2 verifies for org 2");
        require(!registry.verifyRecordBy(1, root, proofFor1, subject1, record1), "org 1 did not anchor the root");
        require(!registry.verifyRecordBy(0, root, proofFor1, subject1, record1), "org 0 never anchors");
        require(
            !registry.verifyRecordBy(2, root, proofFor1, subject1, bytes32(uint256(record1) ^ 1)),
            "tampered record"
        );
        require(!registry.verifyRecordBy(2, root, proofFor2, subject1, record1), "wrong proof");
        require(!registry.verifyRecordBy(2, root, new bytes32[](0), subject1, record1), "empty proof");
    }

    /// @dev Attack: an anchorer of org 1 learns org 2's root and anchors it first. Org 2's anchor still succeeds, and
    /// each organisation's anchor is its own: org 1's claim never makes the root count as org 2's, or the reverse.
    function testFuzz_RootPreAnchoredByAnotherOrganisation(
        bytes32 root,
        uint32 leafCount1,
        uint32 leafCount2,
        uint48 gap
    ) public {
        vm.assume(uint256(root) > 1 && leafCount1 != 0 && leafCount2 != 0 && gap != 0 && gap < type(uint48).max - 10);
        vm.roll(10);
        vm.prank(ORG1_ANCHORER);
        require(registry.anchor(1, root, leafCount1, bytes32(0)) == 1, "the squatter anchors first");
        require(!registry.isAnchored(2, root), "the squatter's anchor is not org 2's");
        require(
            !registry.verifyRecordBy(2, root, new bytes32[](0), bytes32(0), bytes32(0)),
            "nothing verifies for org 2 yet"
        );

        vm.roll(10 + uint256(gap));
        vm.expectEmit();
        emit IProvenanceRegistry.BatchAnchored(2, 1, root, bytes32(0), leafCount2, bytes32(0));
        vm.prank(ORG2_ANCHORER);
        require(registry.anchor(2, root, leafCount2, bytes32(0)) == 1, "the rightful organisation's anchor succeeds");

        IProvenanceRegistry.Anchor memory rightful = registry.anchorOf(2, root);
        IProvenanceRegistry.Anchor memory squatter = registry.anchorOf(1, root);
        require(rightful.orgId == 2 && rightful.leafCount == leafCount2, "org 2's anchor is org 2's");
        require(rightful.blockNumber == 10 + uint256(gap), "org 2's anchor has org 2's block");
        require(
            squatter.orgId == 1 && squatter.leafCount == leafCount1 && squatter.blockNumber == 10,
            "org 1's anchor untouched"
        );
        (, bytes32 head2, uint64 count2) = registry.organisation(2);
        require(head2 == root && count2 == 1, "org 2's history has the root");
    }

    function test_OrganisationAdminManagesOnlyItsOwnAnchorers() public {
        address newAnchorer = address(0xC1);
        bytes32 org1Anchorers = registry.anchorerRole(1);
        bytes32 org2Anchorers = registry.anchorerRole(2);
        require(
            registry.getRoleAdmin(org1Anchorers) == registry.orgAdminRole(1),
            "org admin role administers anchorers"
        );

        vm.prank(ORG1_ADMIN);
        registry.grantRole(org1Anchorers, newAnchorer);
        vm.prank(newAnchorer);
        require(registry.anchor(1, keccak256("granted"), 1, bytes32(0)) == 1, "granted anchorer anchors");

        vm.prank(ORG1_ADMIN);
        registry.revokeRole(org1Anchorers, newAnchorer);
        vm.prank(newAnchorer);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProvenanceRegistry.ProvenanceRegistryUnauthorizedAnchorer.selector,
                newAnchorer,
                uint32(1)
            )
        );
        registry.anchor(1, keccak256("revoked"), 1, bytes32(0));

        bytes32 org2Admins = registry.orgAdminRole(2); // read before prank: a prank applies to the next call
        vm.prank(ORG1_ADMIN);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, ORG1_ADMIN, org2Admins)
        );
        registry.grantRole(org2Anchorers, newAnchorer);
    }

    function test_SupportsInterfaces() public view {
        require(registry.supportsInterface(type(IProvenanceRegistry).interfaceId), "IProvenanceRegistry");
        require(registry.supportsInterface(type(IAccessControl).interfaceId), "IAccessControl");
        require(!registry.supportsInterface(0xffffffff), "not 0xffffffff");
    }

    // ---- errors -----------------------------------------------------------------------------------------------

    function testFuzz_RevertWhen_CallerIsNotAnAnchorer(address caller, uint32 orgId) public {
        vm.assume(caller != ORG1_ANCHORER && caller != ORG2_ANCHORER);
        vm.prank(caller);
        vm.expectRevert(
            abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryUnauthorizedAnchorer.selector, caller, orgId)
        );
        registry.anchor(orgId, keccak256("root"), 1, bytes32(0));
    }

    function test_RevertWhen_AnchorerOfAnotherOrganisation() public {
        vm.prank(ORG2_ANCHORER);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProvenanceRegistry.ProvenanceRegistryUnauthorizedAnchorer.selector,
                ORG2_ANCHORER,
                uint32(1)
            )
        );
        registry.anchor(1, keccak256("root"), 1, bytes32(0));
    }

    function testFuzz_RevertWhen_RootIsZero(uint32 leafCount, bytes32 metadataHash) public {
        vm.prank(ORG1_ANCHORER);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryZeroRoot.selector));
        registry.anchor(1, bytes32(0), leafCount, metadataHash);
    }

    function test_RevertWhen_RootIsTheGenesisSentinel() public {
        bytes32 genesis = registry.GENESIS_ROOT();
        vm.prank(ORG1_ANCHORER);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryReservedRoot.selector, genesis));
        registry.anchor(1, genesis, 1, bytes32(0));
    }

    function testFuzz_RevertWhen_LeafCountIsZero(bytes32 root, bytes32 metadataHash) public {
        vm.assume(uint256(root) > 1);
        vm.prank(ORG1_ANCHORER);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryZeroLeafCount.selector));
        registry.anchor(1, root, 0, metadataHash);
    }

    function testFuzz_RevertWhen_RootAlreadyAnchored(bytes32 root, uint32 leafCount) public {
        vm.assume(uint256(root) > 1 && leafCount != 0);
        _anchorOnceOnly(ORG1_ANCHORER, 1, root, leafCount);
        // Another organisation's anchor of the same root is no obstacle, and then that one cannot repeat either.
        _anchorOnceOnly(ORG2_ANCHORER, 2, root, leafCount);
    }

    /// `anchorer` anchors `root` for organisation `orgId`; the same anchor again is refused.
    function _anchorOnceOnly(address anchorer, uint32 orgId, bytes32 root, uint32 leafCount) private {
        vm.prank(anchorer);
        registry.anchor(orgId, root, leafCount, bytes32(0));
        vm.prank(anchorer);
        vm.expectRevert(
            abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryRootAlreadyAnchored.selector, root, orgId)
        );
        registry.anchor(orgId, root, leafCount, bytes32(0));
    }

    function test_RevertWhen_AnchoringForAnUnregisteredOrganisation() public {
        // The registry admin can grant any role directly, including for an id it never registered.
        bytes32 role = registry.anchorerRole(99);
        registry.grantRole(role, ORG1_ANCHORER);
        vm.prank(ORG1_ANCHORER);
        vm.expectRevert(
            abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryUnknownOrganisation.selector, uint32(99))
        );
        registry.anchor(99, keccak256("root"), 1, bytes32(0));
    }

    function test_RevertWhen_RegisteringWithEmptyNameOrZeroAdmin() public {
        address[] memory none = new address[](0);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryEmptyName.selector));
        registry.registerOrganisation("", ORG1_ADMIN, none);

        vm.expectRevert(
            abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryInvalidAdmin.selector, address(0))
        );
        registry.registerOrganisation("Org", address(0), none);

        address[] memory zero = new address[](1);
        vm.expectRevert(
            abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryInvalidAnchorer.selector, address(0))
        );
        registry.registerOrganisation("Org", ORG1_ADMIN, zero);
    }

    function testFuzz_RevertWhen_NonAdminRegisters(address caller) public {
        vm.assume(caller != address(this));
        vm.prank(caller);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, bytes32(0))
        );
        registry.registerOrganisation("Org", caller, new address[](0));
    }

    function test_RevertWhen_ReadingAnUnknownOrganisation() public {
        vm.expectRevert(
            abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryUnknownOrganisation.selector, uint32(3))
        );
        registry.organisation(3);
    }

    /// @dev OpenZeppelin's commutative node hash (sorted pair), written out independently of MerkleProof.
    function _hashPair(bytes32 a, bytes32 b) private pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }
}
