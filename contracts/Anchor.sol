// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title Cairn's anchor: a Merkle root was known no later than the block that recorded it.
/// @notice One transaction records the root of a batch of any size, so gas does not grow with
///         the batch. Leaves are OpenZeppelin StandardMerkleTree leaves of type `bytes` (each a
///         record's binary CID): keccak256(keccak256(abi.encode(cid))), pairs hashed sorted, so
///         OpenZeppelin's MerkleProof.verify checks them against `root`, and so does `provenBlock`.
/// @dev Storage exists to refuse a second anchor of the same root (its first block is the proof
///      that counts) and to let anyone find the event from the root alone: `anchors(root)` gives
///      the block to ask for logs, so no client has to scan the chain.
contract Anchor {
    struct Entry {
        address submitter;
        uint48 timestamp;
        uint48 blockNumber;
    }

    /// @notice Who anchored `root`, and when; all zero if nobody did.
    mapping(bytes32 => Entry) public anchors;

    event Anchored(bytes32 indexed root, address indexed submitter, uint256 timestamp);

    error AlreadyAnchored(bytes32 root, uint256 blockNumber);
    error ZeroRoot();

    /// @notice Record `root` with its submitter and this block's time; refuses a root seen before.
    function anchor(bytes32 root) external {
        if (root == bytes32(0)) revert ZeroRoot();
        uint256 seen = anchors[root].blockNumber;
        if (seen != 0) revert AlreadyAnchored(root, seen);
        anchors[root] = Entry(msg.sender, uint48(block.timestamp), uint48(block.number));
        emit Anchored(root, msg.sender, block.timestamp);
    }

    /// @notice The block in which the root that `proof` leads to from `leaf` was anchored, or 0.
    /// @dev The same walk as OpenZeppelin's MerkleProof.processProof: sorted pairs, keccak256.
    function provenBlock(bytes32[] calldata proof, bytes32 leaf) external view returns (uint256) {
        bytes32 node = leaf;
        for (uint256 i = 0; i < proof.length; i++) {
            bytes32 other = proof[i];
            node = node < other ? keccak256(abi.encode(node, other)) : keccak256(abi.encode(other, node));
        }
        return anchors[node].blockNumber;
    }
}
