// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IProvenanceRegistry} from "../../contracts/IProvenanceRegistry.sol";
import {ProvenanceRegistry} from "../../contracts/ProvenanceRegistry.sol";
import {RegistryTestBase} from "./RegistryTestBase.sol";
import {vm} from "./Vm.sol";

/// @dev Organisation signing keys and their proof of possession: {registerSigningKey}, {revokeSigningKey},
/// {signingKey}, {possessionMessage}.
contract ProvenanceRegistrySigningKeysTest is RegistryTestBase {
    uint8 private constant SECP256K1 = 1;
    uint8 private constant ED25519 = 2;
    uint8 private constant P256 = 3;
    uint256 private constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    bytes private constant ED25519_SPKI_PREFIX = hex"302a300506032b6570032100";
    bytes private constant P256_SPKI_PREFIX = hex"3059301306072a8648ce3d020106082a8648ce3d03010703420004";

    // ---- helpers (written out independently of the contract's own derivations) --------------------------------

    function _hex(bytes memory data) private pure returns (bytes memory out) {
        bytes16 digits = "0123456789abcdef";
        out = new bytes(2 * data.length);
        for (uint256 i = 0; i < data.length; ++i) {
            out[2 * i] = digits[uint8(data[i]) >> 4];
            out[2 * i + 1] = digits[uint8(data[i]) & 15];
        }
    }

    /// @dev A secp256k1 key from a fuzzed seed: private key, address, key id = SHA-256("0x" + lower-case hex address).
    function _secp(uint256 seed) private pure returns (uint256 pk, address account, bytes32 keyId) {
        pk = 1 + (seed % (SECP256K1_N - 1));
        account = vm.addr(pk);
        keyId = sha256(abi.encodePacked("0x", _hex(abi.encodePacked(account))));
    }

    /// @dev The key's proof: r || s || v over SHA-256 of the message `signedAt` would produce.
    function _proof(
        uint256 pk,
        ProvenanceRegistry signedAt,
        uint32 orgId,
        bytes32 keyId,
        bytes32 role
    ) private view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, sha256(signedAt.possessionMessage(orgId, keyId, role)));
        return abi.encodePacked(r, s, v);
    }

    /// @dev An SPKI-shaped ed25519 (or P-256) public key from a seed, and its key id SHA-256("sha256:" + hex SHA-256(SPKI)).
    function _spki(bytes32 seed, bool ed25519) private pure returns (bytes memory spki, bytes32 keyId) {
        spki =
            ed25519
                ? bytes.concat(ED25519_SPKI_PREFIX, seed)
                : bytes.concat(P256_SPKI_PREFIX, seed, keccak256(abi.encode(seed)));
        keyId = sha256(abi.encodePacked("sha256:", _hex(abi.encodePacked(sha256(spki)))));
    }

    /// ORG1_ADMIN registers `account`'s secp256k1 key for organisation 1 with `proof`: refused as no proof of possession of `keyId`.
    function _registerSecpRefused(bytes32 keyId, bytes32 role, address account, bytes memory proof) private {
        vm.prank(ORG1_ADMIN);
        vm.expectRevert(
            abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryInvalidPossessionProof.selector, keyId)
        );
        registry.registerSigningKey(1, keyId, role, SECP256K1, abi.encodePacked(account), proof);
    }

    function _registerSecp(uint32 orgId, address admin, uint256 pk, bytes32 keyId, bytes32 role) private {
        address account = vm.addr(pk);
        bytes memory proof = _proof(pk, registry, orgId, keyId, role);
        vm.prank(admin);
        registry.registerSigningKey(orgId, keyId, role, SECP256K1, abi.encodePacked(account), proof);
    }

    // ---- default behaviour ------------------------------------------------------------------------------------

    function testFuzz_PossessionMessageBindsChainRegistryOrganisationKeyAndRole(
        uint32 orgId,
        bytes32 keyId,
        bytes32 role,
        uint64 chain
    ) public {
        vm.assume(chain != 0);
        vm.chainId(chain);
        bytes memory message = registry.possessionMessage(orgId, keyId, role);
        require(message.length == 192, "six words");
        require(
            keccak256(message) ==
                keccak256(
                    abi.encode(
                        keccak256("ProvenanceRegistry.SIGNING_KEY_POSSESSION"),
                        uint256(chain),
                        address(registry),
                        orgId,
                        keyId,
                        role
                    )
                ),
            "tag, chain id, registry, organisation, key id, role"
        );
    }

    function testFuzz_RegisterSecp256k1StoresTheKeyAndEmits(uint256 seed, bytes32 role, uint64 blockNumber) public {
        vm.assume(blockNumber != 0);
        vm.roll(blockNumber);
        (uint256 pk, address account, bytes32 keyId) = _secp(seed);
        bytes memory proof = _proof(pk, registry, 2, keyId, role);

        vm.expectEmit();
        emit IProvenanceRegistry.SigningKeyRegistered(2, keyId, role, SECP256K1, abi.encodePacked(account), proof);
        vm.prank(ORG2_ADMIN);
        registry.registerSigningKey(2, keyId, role, SECP256K1, abi.encodePacked(account), proof);

        (bytes32 storedRole, uint8 algorithm, uint64 registeredAt, uint64 revokedAt, bytes32 possessionHash) = registry
            .signingKey(2, keyId);
        require(storedRole == role, "role stored (zero stays zero)");
        require(algorithm == SECP256K1, "algorithm stored");
        require(registeredAt == blockNumber, "registeredAt is the registering block");
        require(revokedAt == 0, "active");
        require(
            possessionHash == keccak256(abi.encode(SECP256K1, abi.encodePacked(account), proof)),
            "proof hash stored"
        );
        (, , uint64 elsewhere, , ) = registry.signingKey(1, keyId);
        require(elsewhere == 0, "registered for organisation 2 only");
    }

    function testFuzz_RegisterEd25519AndP256StoreTheProofHash(
        bytes32 seed,
        bytes32 role,
        bytes32 signature,
        bool ed25519,
        uint8 derLength
    ) public {
        (bytes memory spki, bytes32 keyId) = _spki(seed, ed25519);
        bytes memory proof =
            ed25519 ? abi.encodePacked(signature, signature) : new bytes(8 + (uint256(derLength) % 65));
        uint8 algorithm = ed25519 ? ED25519 : P256;
        vm.expectEmit();
        emit IProvenanceRegistry.SigningKeyRegistered(1, keyId, role, algorithm, spki, proof);
        vm.prank(ORG1_ADMIN);
        registry.registerSigningKey(1, keyId, role, algorithm, spki, proof);
        (bytes32 storedRole, uint8 storedAlgorithm, uint64 registeredAt, , bytes32 possessionHash) = registry
            .signingKey(1, keyId);
        require(storedRole == role && storedAlgorithm == algorithm && registeredAt == block.number, "stored");
        require(
            possessionHash == keccak256(abi.encode(algorithm, spki, proof)),
            "verifiers check the emitted proof against this hash"
        );
    }

    function testFuzz_RevokeRecordsTheBlockAndKeepsTheRest(
        uint256 seed,
        bytes32 role,
        uint64 registeredAt,
        uint32 delay
    ) public {
        vm.assume(registeredAt != 0 && registeredAt <= type(uint64).max - delay);
        vm.roll(registeredAt);
        (uint256 pk, , bytes32 keyId) = _secp(seed);
        _registerSecp(1, ORG1_ADMIN, pk, keyId, role);

        uint64 revokedAt = registeredAt + delay; // delay 0: revoked in the block that registered it
        vm.roll(revokedAt);
        vm.expectEmit();
        emit IProvenanceRegistry.SigningKeyRevoked(1, keyId);
        vm.prank(ORG1_ADMIN);
        registry.revokeSigningKey(1, keyId);

        (bytes32 storedRole, uint8 algorithm, uint64 storedRegisteredAt, uint64 storedRevokedAt, ) = registry
            .signingKey(1, keyId);
        require(storedRole == role && algorithm == SECP256K1, "role and algorithm kept");
        require(storedRegisteredAt == registeredAt, "registeredAt kept");
        require(storedRevokedAt == revokedAt, "revokedAt is the revoking block");
    }

    function testFuzz_UnknownKeyReadsAsZero(uint32 orgId, bytes32 keyId) public view {
        (bytes32 role, uint8 algorithm, uint64 registeredAt, uint64 revokedAt, bytes32 possessionHash) = registry
            .signingKey(orgId, keyId);
        require(
            role == 0 && algorithm == 0 && registeredAt == 0 && revokedAt == 0 && possessionHash == 0,
            "unknown key is all zero"
        );
    }

    /// @dev Attack: organisation 1 learns the key id of organisation 2's key (without the private key) and registers
    /// it first, with a made-up proof. Refused for secp256k1 (checked on chain); for every algorithm, organisation 2's
    /// own registration still succeeds, because keys are keyed by (organisation, key id).
    function testFuzz_SquattedKeyIdNeitherBlocksNorClaimsTheRightfulRegistration(
        uint256 seed,
        uint256 squatterSeed,
        bytes32 role
    ) public {
        (uint256 pk, address account, bytes32 keyId) = _secp(seed);
        (uint256 squatterPk, , ) = _secp(squatterSeed);
        vm.assume(squatterPk != pk);
        bytes memory forged = _proof(squatterPk, registry, 1, keyId, role);
        _registerSecpRefused(keyId, role, account, forged);

        _registerSecp(2, ORG2_ADMIN, pk, keyId, role);
        (, , uint64 squatted, , ) = registry.signingKey(1, keyId);
        (, , uint64 rightful, , ) = registry.signingKey(2, keyId);
        require(squatted == 0 && rightful == block.number, "registered for the rightful organisation only");
    }

    function testFuzz_AnEd25519KeyIdRegisteredFirstByAnotherOrganisationIsNoObstacle(
        bytes32 seed,
        bytes32 role
    ) public {
        (bytes memory spki, bytes32 keyId) = _spki(seed, true);
        // The registry cannot check an ed25519 signature: the squatter's registration goes through with junk,
        // and verifiers refuse it (its proof does not verify). The rightful organisation registers its own.
        vm.prank(ORG1_ADMIN);
        registry.registerSigningKey(1, keyId, role, ED25519, spki, new bytes(64));
        vm.prank(ORG2_ADMIN);
        registry.registerSigningKey(2, keyId, role, ED25519, spki, abi.encodePacked(seed, seed));
        (, , uint64 first, , bytes32 hash1) = registry.signingKey(1, keyId);
        (, , uint64 second, , bytes32 hash2) = registry.signingKey(2, keyId);
        require(first != 0 && second != 0 && hash1 != hash2, "two separate registrations, each with its own proof");
    }

    function testFuzz_KeysAreIndependent(uint256 seed1, uint256 seed2, bytes32 role1, bytes32 role2) public {
        (uint256 pk1, , bytes32 key1) = _secp(seed1);
        (uint256 pk2, , bytes32 key2) = _secp(seed2);
        vm.assume(key1 != key2);
        _registerSecp(1, ORG1_ADMIN, pk1, key1, role1);
        _registerSecp(2, ORG2_ADMIN, pk2, key2, role2);
        vm.prank(ORG1_ADMIN);
        registry.revokeSigningKey(1, key1);

        (bytes32 role, , , uint64 revokedAt, ) = registry.signingKey(2, key2);
        require(role == role2 && revokedAt == 0, "revoking org 1's key leaves org 2's key active");
    }

    function test_KeysBelongToTheOrganisationNotToTheAdmin() public {
        (uint256 pk, , bytes32 keyId) = _secp(1234);
        _registerSecp(1, ORG1_ADMIN, pk, keyId, keccak256("approver"));

        // The registry admin replaces the organisation admin.
        address newAdmin = address(0xA3);
        bytes32 org1Admins = registry.orgAdminRole(1);
        registry.grantRole(org1Admins, newAdmin);
        registry.revokeRole(org1Admins, ORG1_ADMIN);

        vm.prank(newAdmin);
        registry.revokeSigningKey(1, keyId);
        (, , , uint64 revokedAt, ) = registry.signingKey(1, keyId);
        require(revokedAt == block.number, "the new admin revokes a key the old admin registered");

        (uint256 pk2, , bytes32 keyId2) = _secp(5678);
        bytes memory proof = _proof(pk2, registry, 1, keyId2, bytes32(0));
        _expectNotOrganisationAdmin(ORG1_ADMIN, 1);
        registry.registerSigningKey(1, keyId2, bytes32(0), SECP256K1, abi.encodePacked(vm.addr(pk2)), proof);
    }

    function test_AnchoringNeitherNeedsNorTouchesSigningKeys() public {
        (uint256 pk, , bytes32 keyId) = _secp(42);
        _registerSecp(1, ORG1_ADMIN, pk, keyId, bytes32(0));
        vm.prank(ORG1_ANCHORER);
        registry.anchor(1, keccak256("root"), 1, bytes32(0));
        (, , uint64 registeredAt, uint64 revokedAt, ) = registry.signingKey(1, keyId);
        require(registeredAt != 0 && revokedAt == 0, "key unchanged by an anchor");
    }

    // ---- errors: proof of possession (named attack cases) -----------------------------------------------------

    function testFuzz_RevertWhen_ProofIsForAnotherOrganisation(uint256 seed, bytes32 role) public {
        (uint256 pk, address account, bytes32 keyId) = _secp(seed);
        bytes memory forOrg2 = _proof(pk, registry, 2, keyId, role);
        _registerSecpRefused(keyId, role, account, forOrg2);
    }

    function testFuzz_RevertWhen_ProofIsForAnotherRole(uint256 seed, bytes32 role, bytes32 otherRole) public {
        vm.assume(role != otherRole);
        (uint256 pk, address account, bytes32 keyId) = _secp(seed);
        bytes memory forRole = _proof(pk, registry, 1, keyId, role);
        _registerSecpRefused(keyId, otherRole, account, forRole);
    }

    function testFuzz_RevertWhen_ProofIsForAnotherChain(uint256 seed, uint64 otherChain) public {
        vm.assume(otherChain != block.chainid && otherChain != 0);
        (uint256 pk, address account, bytes32 keyId) = _secp(seed);
        uint256 here = block.chainid;
        vm.chainId(otherChain);
        bytes memory forOtherChain = _proof(pk, registry, 1, keyId, bytes32(0));
        vm.chainId(here);
        _registerSecpRefused(keyId, bytes32(0), account, forOtherChain);
    }

    function testFuzz_RevertWhen_ProofIsForAnotherRegistry(uint256 seed) public {
        ProvenanceRegistry other = new ProvenanceRegistry(address(this));
        (uint256 pk, address account, bytes32 keyId) = _secp(seed);
        bytes memory forOther = _proof(pk, other, 1, keyId, bytes32(0));
        _registerSecpRefused(keyId, bytes32(0), account, forOther);
    }

    function testFuzz_RevertWhen_ProofIsForAnotherKeyId(uint256 seed, uint256 otherSeed) public {
        (uint256 pk, address account, bytes32 keyId) = _secp(seed);
        (, , bytes32 otherKeyId) = _secp(otherSeed);
        vm.assume(keyId != otherKeyId);
        bytes memory forOtherKeyId = _proof(pk, registry, 1, otherKeyId, bytes32(0));
        _registerSecpRefused(keyId, bytes32(0), account, forOtherKeyId);
    }

    function testFuzz_RevertWhen_ProofIsMalformed(uint256 seed, bytes memory junk) public {
        (uint256 pk, address account, bytes32 keyId) = _secp(seed);
        bytes memory proof = _proof(pk, registry, 1, keyId, bytes32(0));
        bytes memory key = abi.encodePacked(account);
        bytes memory invalid = abi.encodeWithSelector(
            IProvenanceRegistry.ProvenanceRegistryInvalidPossessionProof.selector,
            keyId
        );
        // Wrong length (junk of any other length), v not 27/28, high s (the malleable twin of a valid signature).
        vm.assume(junk.length != 65);
        vm.prank(ORG1_ADMIN);
        vm.expectRevert(invalid);
        registry.registerSigningKey(1, keyId, bytes32(0), SECP256K1, key, junk);
        bytes memory badV = bytes.concat(proof);
        badV[64] = bytes1(uint8(badV[64]) + 2);
        vm.prank(ORG1_ADMIN);
        vm.expectRevert(invalid);
        registry.registerSigningKey(1, keyId, bytes32(0), SECP256K1, key, badV);
        (bytes32 r, bytes32 s, uint8 v) = (bytes32(0), bytes32(0), uint8(proof[64]));
        assembly {
            r := mload(add(proof, 32))
            s := mload(add(proof, 64))
        }
        bytes memory highS = abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        vm.prank(ORG1_ADMIN);
        vm.expectRevert(invalid);
        registry.registerSigningKey(1, keyId, bytes32(0), SECP256K1, key, highS);
    }

    function testFuzz_RevertWhen_KeyIdIsNotThePublicKeys(uint256 seed, uint256 otherSeed, bytes32 edSeed) public {
        (uint256 pk, address account, ) = _secp(seed);
        (, , bytes32 otherKeyId) = _secp(otherSeed);
        vm.assume(vm.addr(1 + (otherSeed % (SECP256K1_N - 1))) != account);
        bytes memory proof = _proof(pk, registry, 1, otherKeyId, bytes32(0));
        vm.prank(ORG1_ADMIN);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProvenanceRegistry.ProvenanceRegistrySigningKeyIdMismatch.selector,
                otherKeyId,
                SECP256K1
            )
        );
        registry.registerSigningKey(1, otherKeyId, bytes32(0), SECP256K1, abi.encodePacked(account), proof);

        (bytes memory spki, ) = _spki(edSeed, true);
        (, bytes32 p256KeyId) = _spki(edSeed, false);
        vm.prank(ORG1_ADMIN);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProvenanceRegistry.ProvenanceRegistrySigningKeyIdMismatch.selector,
                p256KeyId,
                ED25519
            )
        );
        registry.registerSigningKey(1, p256KeyId, bytes32(0), ED25519, spki, new bytes(64));
    }

    function testFuzz_RevertWhen_PublicKeyIsMalformed(bytes memory junk, bytes32 keyId) public {
        vm.assume(keyId != bytes32(0) && junk.length != 20 && junk.length != 44 && junk.length != 91);
        for (uint8 algorithm = 1; algorithm <= 3; ++algorithm) {
            vm.prank(ORG1_ADMIN);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IProvenanceRegistry.ProvenanceRegistryInvalidSigningPublicKey.selector,
                    keyId,
                    algorithm
                )
            );
            registry.registerSigningKey(1, keyId, bytes32(0), algorithm, junk, new bytes(64));
        }
        // Right length, wrong algorithm: a P-256 SPKI labelled ed25519 and the reverse.
        (bytes memory ed, ) = _spki(keyId, true);
        (bytes memory p256, ) = _spki(keyId, false);
        vm.prank(ORG1_ADMIN);
        vm.expectRevert(
            abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryInvalidSigningPublicKey.selector, keyId, P256)
        );
        registry.registerSigningKey(1, keyId, bytes32(0), P256, bytes.concat(ed, new bytes(47)), new bytes(64));
        bytes memory edAsP256 = bytes.concat(p256);
        edAsP256[0] = 0x31;
        vm.prank(ORG1_ADMIN);
        vm.expectRevert(
            abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryInvalidSigningPublicKey.selector, keyId, P256)
        );
        registry.registerSigningKey(1, keyId, bytes32(0), P256, edAsP256, new bytes(64));
    }

    function testFuzz_RevertWhen_Ed25519OrP256ProofHasTheWrongLength(bytes32 seed, uint8 length) public {
        (bytes memory ed, bytes32 edKeyId) = _spki(seed, true);
        vm.assume(length != 64);
        vm.prank(ORG1_ADMIN);
        vm.expectRevert(
            abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryInvalidPossessionProof.selector, edKeyId)
        );
        registry.registerSigningKey(1, edKeyId, bytes32(0), ED25519, ed, new bytes(length));
        (bytes memory p256, bytes32 p256KeyId) = _spki(seed, false);
        vm.prank(ORG1_ADMIN);
        vm.expectRevert(
            abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryInvalidPossessionProof.selector, p256KeyId)
        );
        registry.registerSigningKey(
            1,
            p256KeyId,
            bytes32(0),
            P256,
            p256,
            new bytes(length < 8 ? length : 73 + uint256(length))
        );
    }

    function testFuzz_RevertWhen_AlgorithmIsUnsupported(uint8 algorithm, bytes32 keyId) public {
        vm.assume(keyId != bytes32(0) && (algorithm == 0 || algorithm > 3));
        vm.prank(ORG1_ADMIN);
        vm.expectRevert(
            abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryUnsupportedKeyAlgorithm.selector, algorithm)
        );
        registry.registerSigningKey(1, keyId, bytes32(0), algorithm, new bytes(20), new bytes(65));
    }

    // ---- errors: authorisation and lifecycle ------------------------------------------------------------------

    function testFuzz_RevertWhen_CallerIsNotThatOrganisationsAdmin(address caller, uint32 orgId, bytes32 keyId) public {
        vm.assume(!(orgId == 1 && caller == ORG1_ADMIN) && !(orgId == 2 && caller == ORG2_ADMIN));
        bytes memory unauthorized = abi.encodeWithSelector(
            IProvenanceRegistry.ProvenanceRegistryUnauthorizedOrganisationAdmin.selector,
            caller,
            orgId
        );

        vm.prank(caller);
        vm.expectRevert(unauthorized);
        registry.registerSigningKey(orgId, keyId, bytes32(0), SECP256K1, new bytes(20), new bytes(65));

        vm.prank(caller);
        vm.expectRevert(unauthorized);
        registry.revokeSigningKey(orgId, keyId);
    }

    function testFuzz_RevertWhen_AnotherOrganisationsAdminRevokes(uint256 seed, bytes32 role) public {
        (uint256 pk, , bytes32 keyId) = _secp(seed);
        _registerSecp(1, ORG1_ADMIN, pk, keyId, role);

        _expectNotOrganisationAdmin(ORG2_ADMIN, 1);
        registry.revokeSigningKey(1, keyId);
        // Org 2's admin acting for org 2 on org 1's key: org 2 has no such key.
        vm.prank(ORG2_ADMIN);
        vm.expectRevert(
            abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryUnknownSigningKey.selector, keyId, uint32(2))
        );
        registry.revokeSigningKey(2, keyId);

        (, , , uint64 revokedAt, ) = registry.signingKey(1, keyId);
        require(revokedAt == 0, "org 1's key untouched");
    }

    function test_RevertWhen_TheRegistryAdminOrAnAnchorerRegisters() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IProvenanceRegistry.ProvenanceRegistryUnauthorizedOrganisationAdmin.selector,
                address(this),
                uint32(1)
            )
        );
        registry.registerSigningKey(1, keccak256("key"), bytes32(0), SECP256K1, new bytes(20), new bytes(65));
        _expectNotOrganisationAdmin(ORG1_ANCHORER, 1);
        registry.registerSigningKey(1, keccak256("key"), bytes32(0), SECP256K1, new bytes(20), new bytes(65));
    }

    function testFuzz_RevertWhen_KeyIdIsZero(bytes32 role) public {
        vm.prank(ORG1_ADMIN);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryZeroKeyId.selector));
        registry.registerSigningKey(1, bytes32(0), role, SECP256K1, new bytes(20), new bytes(65));
    }

    function testFuzz_RevertWhen_KeyIdWasEverRegisteredByTheOrganisation(
        uint256 seed,
        bytes32 role,
        bytes32 otherRole,
        bool revoked
    ) public {
        (uint256 pk, , bytes32 keyId) = _secp(seed);
        _registerSecp(1, ORG1_ADMIN, pk, keyId, role);
        if (revoked) {
            vm.roll(block.number + 1);
            vm.prank(ORG1_ADMIN);
            registry.revokeSigningKey(1, keyId);
        }
        vm.roll(block.number + 1);
        bytes memory proof = _proof(pk, registry, 1, keyId, otherRole);
        address account = vm.addr(pk);
        vm.prank(ORG1_ADMIN);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProvenanceRegistry.ProvenanceRegistrySigningKeyAlreadyRegistered.selector,
                keyId,
                uint32(1)
            )
        );
        registry.registerSigningKey(1, keyId, otherRole, SECP256K1, abi.encodePacked(account), proof);

        (bytes32 storedRole, , , uint64 revokedAt, ) = registry.signingKey(1, keyId);
        require(storedRole == role, "first registration kept");
        require((revokedAt != 0) == revoked, "a revoked key stays revoked, an active one stays active");
    }

    function test_RevertWhen_OrganisationIsNotRegistered() public {
        // The registry admin can grant orgAdminRole for an id it never registered; keys still need the organisation.
        address ghostAdmin = address(0xA9);
        registry.grantRole(registry.orgAdminRole(99), ghostAdmin);
        registry.grantRole(registry.orgAdminRole(0), ghostAdmin);
        for (uint32 orgId = 0; orgId < 100; orgId += 99) {
            vm.prank(ghostAdmin);
            vm.expectRevert(
                abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryUnknownOrganisation.selector, orgId)
            );
            registry.registerSigningKey(orgId, keccak256("key"), bytes32(0), SECP256K1, new bytes(20), new bytes(65));
            vm.prank(ghostAdmin);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IProvenanceRegistry.ProvenanceRegistryUnknownSigningKey.selector,
                    bytes32(0),
                    orgId
                )
            );
            registry.revokeSigningKey(orgId, bytes32(0));
        }
    }

    function testFuzz_RevertWhen_RevokingAKeyTheOrganisationDoesNotHave(bytes32 keyId) public {
        vm.prank(ORG1_ADMIN);
        vm.expectRevert(
            abi.encodeWithSelector(IProvenanceRegistry.ProvenanceRegistryUnknownSigningKey.selector, keyId, uint32(1))
        );
        registry.revokeSigningKey(1, keyId);
    }

    function testFuzz_RevertWhen_RevokingTwice(uint256 seed, uint64 revokedAt, uint32 delay) public {
        vm.assume(revokedAt != 0 && revokedAt <= type(uint64).max - delay);
        vm.roll(revokedAt);
        (uint256 pk, , bytes32 keyId) = _secp(seed);
        _registerSecp(2, ORG2_ADMIN, pk, keyId, bytes32(0));
        vm.prank(ORG2_ADMIN);
        registry.revokeSigningKey(2, keyId);

        vm.roll(revokedAt + delay);
        vm.prank(ORG2_ADMIN);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProvenanceRegistry.ProvenanceRegistrySigningKeyAlreadyRevoked.selector,
                keyId,
                revokedAt
            )
        );
        registry.revokeSigningKey(2, keyId);
        (, , , uint64 storedRevokedAt, ) = registry.signingKey(2, keyId);
        require(storedRevokedAt == revokedAt, "the first revocation block stands");
    }
}
