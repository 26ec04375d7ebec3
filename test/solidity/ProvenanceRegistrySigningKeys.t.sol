// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IProvenanceRegistry} from "../../contracts/IProvenanceRegistry.sol";
import {ProvenanceRegistry} from "../../contracts/ProvenanceRegistry.sol";
import {vm} from "./Vm.sol";

/// @dev Organisation signing keys: {registerSigningKey}, {revokeSigningKey}, {signingKey}.
contract ProvenanceRegistrySigningKeysTest {
    address private constant ORG1_ADMIN = address(0xA1);
    address private constant ORG1_ANCHORER = address(0xB1);
    address private constant ORG2_ADMIN = address(0xA2);
    address private constant ORG2_ANCHORER = address(0xB2);

    ProvenanceRegistry private registry;

    function setUp() public {
        registry = new ProvenanceRegistry(address(this));
        address[] memory anchorers = new address[](1);
        anchorers[0] = ORG1_ANCHORER;
        require(registry.registerOrganisation("Org One", ORG1_ADMIN, anchorers) == 1, "first org id is 1");
        anchorers[0] = ORG2_ANCHORER;
        require(registry.registerOrganisation("Org Two", ORG2_ADMIN, anchorers) == 2, "second org id is 2");
    }

    // ---- default behaviour ------------------------------------------------------------------------------------

    function testFuzz_RegisterStoresTheKeyAndEmits(bytes32 keyId, bytes32 role, uint64 blockNumber) public {
        vm.assume(keyId != bytes32(0) && blockNumber != 0);
        vm.roll(blockNumber);

        vm.expectEmit();
        emit IProvenanceRegistry.SigningKeyRegistered(2, keyId, role);
        vm.prank(ORG2_ADMIN);
        registry.registerSigningKey(2, keyId, role);

        (uint32 orgId, bytes32 storedRole, uint64 registeredAt, uint64 revokedAt) = registry.signingKey(keyId);
        require(orgId == 2, "orgId stored");
        require(storedRole == role, "role stored (zero stays zero)");
        require(registeredAt == blockNumber, "registeredAt is the registering block");
        require(revokedAt == 0, "active");
    }

    function testFuzz_RevokeRecordsTheBlockAndKeepsTheRest(bytes32 keyId, bytes32 role, uint64 registeredAt, uint32 delay) public {
        vm.assume(keyId != bytes32(0) && registeredAt != 0 && registeredAt <= type(uint64).max - delay);
        vm.roll(registeredAt);
        vm.prank(ORG1_ADMIN);
        registry.registerSigningKey(1, keyId, role);

        uint64 revokedAt = registeredAt + delay; // delay 0: revoked in the block that registered it
        vm.roll(revokedAt);
        vm.expectEmit();
        emit IProvenanceRegistry.SigningKeyRevoked(1, keyId);
        vm.prank(ORG1_ADMIN);
        registry.revokeSigningKey(1, keyId);

        (uint32 orgId, bytes32 storedRole, uint64 storedRegisteredAt, uint64 storedRevokedAt) = registry.signingKey(keyId);
        require(orgId == 1, "still belongs to the organisation");
        require(storedRole == role, "role kept");
        require(storedRegisteredAt == registeredAt, "registeredAt kept");
        require(storedRevokedAt == revokedAt, "revokedAt is the revoking block");
    }

    function testFuzz_UnknownKeyReadsAsZero(bytes32 keyId) public view {
        (uint32 orgId, bytes32 role, uint64 registeredAt, uint64 revokedAt) = registry.signingKey(keyId);
        require(orgId == 0 && role == bytes32(0) && registeredAt == 0 && revokedAt == 0, "unknown key is all zero");
    }

    function testFuzz_KeysAreIndependent(bytes32 key1, bytes32 key2, bytes32 role1, bytes32 role2) public {
        vm.assume(key1 != bytes32(0) && key2 != bytes32(0) && key1 != key2);
        vm.prank(ORG1_ADMIN);
        registry.registerSigningKey(1, key1, role1);
        vm.prank(ORG2_ADMIN);
        registry.registerSigningKey(2, key2, role2);
        vm.prank(ORG1_ADMIN);
        registry.revokeSigningKey(1, key1);

        (uint32 orgId, bytes32 role, , uint64 revokedAt) = registry.signingKey(key2);
        require(orgId == 2 && role == role2 && revokedAt == 0, "revoking org 1's key leaves org 2's key active");
    }

    function test_KeysBelongToTheOrganisationNotToTheAdmin() public {
        bytes32 keyId = keccak256("key registered by the first admin");
        vm.prank(ORG1_ADMIN);
        registry.registerSigningKey(1, keyId, keccak256("approver"));

        // The registry admin replaces the organisation admin.
        address newAdmin = address(0xA3);
        bytes32 org1Admins = registry.orgAdminRole(1);
        registry.grantRole(org1Admins, newAdmin);
        registry.revokeRole(org1Admins, ORG1_ADMIN);

        vm.prank(newAdmin);
        registry.revokeSigningKey(1, keyId);
        (, , , uint64 revokedAt) = registry.signingKey(keyId);
        require(revokedAt == block.number, "the new admin revokes a key the old admin registered");

        vm.prank(ORG1_ADMIN);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryUnauthorizedOrganisationAdmin.selector, ORG1_ADMIN, uint32(1)));
        registry.registerSigningKey(1, keccak256("after removal"), bytes32(0));
    }

    function test_AnchoringNeitherNeedsNorTouchesSigningKeys() public {
        bytes32 keyId = keccak256("key");
        vm.prank(ORG1_ADMIN);
        registry.registerSigningKey(1, keyId, bytes32(0));
        vm.prank(ORG1_ANCHORER);
        registry.anchor(1, keccak256("root"), 1, bytes32(0));
        (uint32 orgId, , , uint64 revokedAt) = registry.signingKey(keyId);
        require(orgId == 1 && revokedAt == 0, "key unchanged by an anchor");
    }

    // ---- errors -----------------------------------------------------------------------------------------------

    function testFuzz_RevertWhen_CallerIsNotThatOrganisationsAdmin(address caller, uint32 orgId, bytes32 keyId) public {
        vm.assume(!(orgId == 1 && caller == ORG1_ADMIN) && !(orgId == 2 && caller == ORG2_ADMIN));
        bytes memory unauthorized =
            abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryUnauthorizedOrganisationAdmin.selector, caller, orgId);

        vm.prank(caller);
        vm.expectRevert(unauthorized);
        registry.registerSigningKey(orgId, keyId, bytes32(0));

        vm.prank(caller);
        vm.expectRevert(unauthorized);
        registry.revokeSigningKey(orgId, keyId);
    }

    function testFuzz_RevertWhen_AnotherOrganisationsAdminRegistersOrRevokes(bytes32 keyId, bytes32 role) public {
        vm.assume(keyId != bytes32(0));
        vm.prank(ORG1_ADMIN);
        registry.registerSigningKey(1, keyId, role);

        // Org 2's admin acting for org 1: not authorised.
        bytes memory unauthorized =
            abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryUnauthorizedOrganisationAdmin.selector, ORG2_ADMIN, uint32(1));
        vm.prank(ORG2_ADMIN);
        vm.expectRevert(unauthorized);
        registry.registerSigningKey(1, keccak256(abi.encode(keyId)), role);
        vm.prank(ORG2_ADMIN);
        vm.expectRevert(unauthorized);
        registry.revokeSigningKey(1, keyId);

        // Org 2's admin acting for org 2 on org 1's key: the key is not org 2's.
        vm.prank(ORG2_ADMIN);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryUnknownSigningKey.selector, keyId, uint32(2)));
        registry.revokeSigningKey(2, keyId);
        vm.prank(ORG2_ADMIN);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistrySigningKeyAlreadyRegistered.selector, keyId, uint32(1)));
        registry.registerSigningKey(2, keyId, role);

        (uint32 orgId, , , uint64 revokedAt) = registry.signingKey(keyId);
        require(orgId == 1 && revokedAt == 0, "org 1's key untouched");
    }

    function test_RevertWhen_TheRegistryAdminIsNotAnOrganisationAdmin() public {
        vm.expectRevert(abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryUnauthorizedOrganisationAdmin.selector, address(this), uint32(1)));
        registry.registerSigningKey(1, keccak256("key"), bytes32(0));
    }

    function test_RevertWhen_AnAnchorerRegisters() public {
        vm.prank(ORG1_ANCHORER);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryUnauthorizedOrganisationAdmin.selector, ORG1_ANCHORER, uint32(1)));
        registry.registerSigningKey(1, keccak256("key"), bytes32(0));
    }

    function testFuzz_RevertWhen_KeyIdIsZero(bytes32 role) public {
        vm.prank(ORG1_ADMIN);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryZeroKeyId.selector));
        registry.registerSigningKey(1, bytes32(0), role);
    }

    function testFuzz_RevertWhen_KeyIdWasEverRegistered(bytes32 keyId, bytes32 role, bytes32 otherRole, bool revoked, bool byOrg2) public {
        vm.assume(keyId != bytes32(0));
        vm.prank(ORG1_ADMIN);
        registry.registerSigningKey(1, keyId, role);
        if (revoked) {
            vm.roll(block.number + 1);
            vm.prank(ORG1_ADMIN);
            registry.revokeSigningKey(1, keyId);
        }
        (uint32 orgId, address admin) = byOrg2 ? (uint32(2), ORG2_ADMIN) : (uint32(1), ORG1_ADMIN);
        vm.roll(block.number + 1);
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistrySigningKeyAlreadyRegistered.selector, keyId, uint32(1)));
        registry.registerSigningKey(orgId, keyId, otherRole);

        (uint32 storedOrgId, bytes32 storedRole, , uint64 revokedAt) = registry.signingKey(keyId);
        require(storedOrgId == 1 && storedRole == role, "first registration kept");
        require((revokedAt != 0) == revoked, "a revoked key stays revoked, an active one stays active");
    }

    function test_RevertWhen_OrganisationIsNotRegistered() public {
        // The registry admin can grant orgAdminRole for an id it never registered; keys still need the organisation.
        address ghostAdmin = address(0xA9);
        registry.grantRole(registry.orgAdminRole(99), ghostAdmin);
        registry.grantRole(registry.orgAdminRole(0), ghostAdmin);
        for (uint32 orgId = 0; orgId < 100; orgId += 99) {
            vm.prank(ghostAdmin);
            vm.expectRevert(abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryUnknownOrganisation.selector, orgId));
            registry.registerSigningKey(orgId, keccak256("key"), bytes32(0));
            vm.prank(ghostAdmin);
            vm.expectRevert(abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryUnknownSigningKey.selector, bytes32(0), orgId));
            registry.revokeSigningKey(orgId, bytes32(0));
        }
    }

    function testFuzz_RevertWhen_RevokingAKeyTheOrganisationDoesNotHave(bytes32 keyId) public {
        vm.prank(ORG1_ADMIN);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryUnknownSigningKey.selector, keyId, uint32(1)));
        registry.revokeSigningKey(1, keyId);
    }

    function testFuzz_RevertWhen_RevokingTwice(bytes32 keyId, uint64 revokedAt, uint32 delay) public {
        vm.assume(keyId != bytes32(0) && revokedAt != 0 && revokedAt <= type(uint64).max - delay);
        vm.roll(revokedAt);
        vm.prank(ORG2_ADMIN);
        registry.registerSigningKey(2, keyId, bytes32(0));
        vm.prank(ORG2_ADMIN);
        registry.revokeSigningKey(2, keyId);

        vm.roll(revokedAt + delay);
        vm.prank(ORG2_ADMIN);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistrySigningKeyAlreadyRevoked.selector, keyId, revokedAt));
        registry.revokeSigningKey(2, keyId);
        (, , , uint64 storedRevokedAt) = registry.signingKey(keyId);
        require(storedRevokedAt == revokedAt, "the first revocation block stands");
    }
}
