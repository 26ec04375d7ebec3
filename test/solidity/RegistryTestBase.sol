// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IProvenanceRegistry} from "../../contracts/IProvenanceRegistry.sol";
import {ProvenanceRegistry} from "../../contracts/ProvenanceRegistry.sol";
import {vm} from "./Vm.sol";

/// @dev The set-up the registry's Solidity tests share: a registry whose admin is the test contract, with organisation 1
/// (admin ORG1_ADMIN, anchorer ORG1_ANCHORER) and organisation 2 (admin ORG2_ADMIN, anchorer ORG2_ANCHORER).
abstract contract RegistryTestBase {
    address internal constant ORG1_ADMIN = address(0xA1);
    address internal constant ORG1_ANCHORER = address(0xB1);
    address internal constant ORG2_ADMIN = address(0xA2);
    address internal constant ORG2_ANCHORER = address(0xB2);

    ProvenanceRegistry internal registry;

    function setUp() public virtual {
        registry = new ProvenanceRegistry(address(this));
        address[] memory anchorers = new address[](1);
        anchorers[0] = ORG1_ANCHORER;
        require(registry.registerOrganisation("Org One", ORG1_ADMIN, anchorers) == 1, "first org id is 1");
        anchorers[0] = ORG2_ANCHORER;
        require(registry.registerOrganisation("Org Two", ORG2_ADMIN, anchorers) == 2, "second org id is 2");
    }

    /// @dev The next call comes from `caller` and must revert: `caller` is not organisation `orgId`'s admin.
    function _expectNotOrganisationAdmin(address caller, uint32 orgId) internal {
        vm.prank(caller);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProvenanceRegistry.ProvenanceRegistryUnauthorizedOrganisationAdmin.selector,
                caller,
                orgId
            )
        );
    }
}
