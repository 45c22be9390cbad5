using ActorLog.Metadata;

namespace ActorLog.Replication;

/// <summary>
/// Why a leader may push a batch to its followers before its own journal write is done, and what that costs.
/// Followers may then hold records their leader's journal lacks; if that leader instance dies and a new instance of
/// the same replica led again at the same epoch, it would write other records at those offsets and no epoch would
/// tell the two histories apart (KIP-101 compares epochs). So a replica instance leads only at an epoch granted
/// while it exists: when it starts it claims one from the controller (<c>ClaimLeaderEpoch</c>), and the controller
/// moves the epoch one up unless it knows that the current epoch went to this very broker incarnation and that the
/// replica is not a restart within it. Followers then truncate to the restarted leader's log before it appends.
/// Records a follower holds beyond its leader's log are never acknowledged: the high watermark counts the leader's
/// own persisted log end (<see cref="LeaderReplicationState"/>).
/// </summary>
public static class LeaderEpochClaims
{
    /// <summary>
    /// Controller side. <paramref name="grantedTo"/> is the (epoch, broker incarnation) this controller gave the
    /// partition's leadership to, if it did (it is not durable: a new controller knows none and always bumps).
    /// </summary>
    public static bool NeedsNewEpoch(PartitionMetadata current, int claimingBroker, long claimingIncarnation, bool restarted,
        (int Epoch, long Incarnation)? grantedTo) =>
        current.Leader == claimingBroker
        && (restarted || grantedTo is not { } g || g.Epoch != current.LeaderEpoch || g.Incarnation != claimingIncarnation);

    /// <summary>
    /// Replica side: the lowest epoch the instance may lead at, given the state the controller answered its claim
    /// with. Every later epoch was assigned after the claim, so after the instance started.
    /// </summary>
    public static int LeadableFrom(PartitionMetadata answered, int brokerId) =>
        answered.Leader == brokerId ? answered.LeaderEpoch : answered.LeaderEpoch + 1;
}
