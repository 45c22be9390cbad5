using System.Collections.Immutable;
using ActorLog.Common;

namespace ActorLog.Groups.Assignment;

/// <summary>
/// One member's way from what it owns to its target. <see cref="Pending"/> partitions are in its target but
/// another member has not acknowledged revoking them yet; the member gets them on a later step.
/// </summary>
/// <param name="Keep">Owned and in the target: the member goes on consuming them.</param>
/// <param name="Revoke">Owned and not in the target: the member must commit, stop and acknowledge.</param>
/// <param name="Assign">In the target and owned by nobody: the member may start consuming them now.</param>
/// <param name="Pending">In the target and still owned by another member.</param>
public sealed record MemberReconciliation(
    string MemberId,
    ImmutableSortedSet<TopicPartition> Keep,
    ImmutableSortedSet<TopicPartition> Revoke,
    ImmutableSortedSet<TopicPartition> Assign,
    ImmutableSortedSet<TopicPartition> Pending)
{
    /// <summary>What the member may own now, once it has dropped <see cref="Revoke"/>.</summary>
    public ImmutableSortedSet<TopicPartition> Allowed => Keep.Union(Assign);

    /// <summary>The member owns exactly its target.</summary>
    public bool IsReconciled => Revoke.IsEmpty && Assign.IsEmpty && Pending.IsEmpty;

    // The generated ToString would print the set types, not the partitions, in logs and test failures.
    public override string ToString() =>
        $"{MemberId}: keep [{string.Join(", ", Keep)}] revoke [{string.Join(", ", Revoke)}] " +
        $"assign [{string.Join(", ", Assign)}] pending [{string.Join(", ", Pending)}]";
}
