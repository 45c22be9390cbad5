using System.Collections.Immutable;
using ActorLog.Common;
using ActorLog.Groups.Assignment;

namespace ActorLog.Groups.Coordinator;

/// <summary>
/// A live member as its coordinator keeps it (in memory only). Owned is what it may be consuming: what it was
/// given plus revocations it has not acknowledged yet; it is what Reconciliation plans from and what commits are
/// checked against. Given is the assignment last sent to it; MemberEpoch changes whenever Given does.
/// </summary>
public sealed record MemberState(
    string MemberId,
    int MemberEpoch,
    IReadOnlyList<string> SubscribedTopics,
    TimeSpan SessionTimeout,
    long LastHeartbeatMs,
    ImmutableSortedSet<TopicPartition> Owned,
    ImmutableSortedSet<TopicPartition> Given)
{
    /// <summary>The epoch before the last change (-1 for none): a member that lost that answer may still send it.</summary>
    public int PreviousMemberEpoch { get; init; } = -1;

    public static readonly ImmutableSortedSet<TopicPartition> None = ImmutableSortedSet.Create<TopicPartition>(TopicPartitionOrder.Instance);

    public bool IsExpired(long nowMs) => nowMs - LastHeartbeatMs >= (long)SessionTimeout.TotalMilliseconds;
}
