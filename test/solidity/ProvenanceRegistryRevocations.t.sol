// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IProvenanceRegistry} from "../../contracts/IProvenanceRegistry.sol";
import {RegistryTestBase} from "./RegistryTestBase.sol";
import {vm} from "./Vm.sol";

/// @dev On-chain revocation state: {revokeSubject}, {reinstateSubject}, {revocationOf}.
contract ProvenanceRegistryRevocationsTest is RegistryTestBase {
    // ---- default behaviour ------------------------------------------------------------------------------------

    function testFuzz_NeverChangedReadsAsZero(uint32 orgId, bytes32 subject) public view {
        (bool revoked, uint64 changedAt, bytes32 entryHash) = registry.revocationOf(orgId, subject);
        require(!revoked && changedAt == 0 && entryHash == bytes32(0), "all zero");
    }

    function testFuzz_RevokeThenReinstateRecordsEachChange(
        bytes32 subject,
        bytes32 revocationEntry,
        bytes32 reinstateEntry,
        uint64 at,
        uint32 delay
    ) public {
        vm.assume(subject != bytes32(0) && at != 0 && at <= type(uint64).max - delay);
        vm.roll(at);
        vm.expectEmit();
        emit IProvenanceRegistry.SubjectRevocationChanged(1, subject, true, revocationEntry);
        vm.prank(ORG1_ADMIN);
        registry.revokeSubject(1, subject, revocationEntry);

        (bool revoked, uint64 changedAt, bytes32 entryHash) = registry.revocationOf(1, subject);
        require(revoked && changedAt == at && entryHash == revocationEntry, "revoked at the block, with its entry");
        (revoked, changedAt, entryHash) = registry.revocationOf(2, subject);
        require(!revoked && changedAt == 0, "another organisation's state is separate");

        vm.roll(uint256(at) + delay);
        vm.expectEmit();
        emit IProvenanceRegistry.SubjectRevocationChanged(1, subject, false, reinstateEntry);
        vm.prank(ORG1_ADMIN);
        registry.reinstateSubject(1, subject, reinstateEntry);
        (revoked, changedAt, entryHash) = registry.revocationOf(1, subject);
        require(
            !revoked && changedAt == uint256(at) + delay && entryHash == reinstateEntry,
            "reinstated, last change recorded"
        );

        // And it can be revoked again.
        vm.prank(ORG1_ADMIN);
        registry.revokeSubject(1, subject, revocationEntry);
        (revoked, , entryHash) = registry.revocationOf(1, subject);
        require(revoked && entryHash == revocationEntry, "revoked again");
    }

    function testFuzz_TwoOrganisationsRevokeIndependently(bytes32 subject) public {
        vm.assume(subject != bytes32(0));
        vm.prank(ORG1_ADMIN);
        registry.revokeSubject(1, subject, bytes32(0));
        vm.prank(ORG2_ADMIN);
        registry.revokeSubject(2, subject, bytes32(0));
        vm.prank(ORG2_ADMIN);
        registry.reinstateSubject(2, subject, bytes32(0));
        (bool revoked1, , ) = registry.revocationOf(1, subject);
        (bool revoked2, , ) = registry.revocationOf(2, subject);
        require(revoked1 && !revoked2, "each organisation's state is its own");
    }

    // ---- errors -----------------------------------------------------------------------------------------------

    /// @dev Attack: an account that is not the organisation's admin (an anchorer, another organisation's admin,
    /// anyone) revokes or reinstates a subject in the organisation's name.
    function testFuzz_RevertWhen_NonAdminRevokesOrReinstates(address caller, bytes32 subject) public {
        vm.assume(caller != ORG1_ADMIN && subject != bytes32(0));
        _expectNotOrganisationAdmin(caller, 1);
        registry.revokeSubject(1, subject, bytes32(0));

        vm.prank(ORG1_ADMIN);
        registry.revokeSubject(1, subject, bytes32(0));
        _expectNotOrganisationAdmin(caller, 1);
        registry.reinstateSubject(1, subject, bytes32(0));
    }

    function test_RevertWhen_AnchorerOrOtherAdminRevokes() public {
        bytes32 subject = sha256("model");
        _expectNotOrganisationAdmin(ORG1_ANCHORER, 1);
        registry.revokeSubject(1, subject, bytes32(0));
        _expectNotOrganisationAdmin(ORG2_ADMIN, 1);
        registry.revokeSubject(1, subject, bytes32(0));
    }

    function test_RevertWhen_SubjectDigestIsZero() public {
        vm.prank(ORG1_ADMIN);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryZeroSubjectDigest.selector));
        registry.revokeSubject(1, bytes32(0), bytes32(0));
        vm.prank(ORG1_ADMIN);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryZeroSubjectDigest.selector));
        registry.reinstateSubject(1, bytes32(0), bytes32(0));
    }

    function testFuzz_RevertWhen_RevokedTwice(bytes32 subject) public {
        vm.assume(subject != bytes32(0));
        vm.prank(ORG1_ADMIN);
        registry.revokeSubject(1, subject, bytes32(0));
        vm.prank(ORG1_ADMIN);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProvenanceRegistry.ProvenanceRegistrySubjectAlreadyRevoked.selector,
                uint32(1),
                subject
            )
        );
        registry.revokeSubject(1, subject, bytes32(0));
    }

    function testFuzz_RevertWhen_ReinstatingWhatIsNotRevoked(bytes32 subject) public {
        vm.assume(subject != bytes32(0));
        vm.prank(ORG1_ADMIN);
        vm.expectRevert(
            abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistrySubjectNotRevoked.selector, uint32(1), subject)
        );
        registry.reinstateSubject(1, subject, bytes32(0));
        // Org 2's revocation gives org 1 nothing to reinstate.
        vm.prank(ORG2_ADMIN);
        registry.revokeSubject(2, subject, bytes32(0));
        vm.prank(ORG1_ADMIN);
        vm.expectRevert(
            abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistrySubjectNotRevoked.selector, uint32(1), subject)
        );
        registry.reinstateSubject(1, subject, bytes32(0));
    }

    function test_RevertWhen_RevokingForAnUnregisteredOrganisation() public {
        // The registry admin can grant any role directly, including for an id it never registered.
        bytes32 role = registry.orgAdminRole(99);
        registry.grantRole(role, ORG1_ADMIN);
        bytes32 subject = sha256("model"); // before the prank: sha256 is a call too
        vm.prank(ORG1_ADMIN);
        vm.expectRevert(
            abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryUnknownOrganisation.selector, uint32(99))
        );
        registry.revokeSubject(99, subject, bytes32(0));
    }
}
