using System.Collections.Immutable;
using ActorLog.Common;

namespace ActorLog.Groups.Assignment;

/// <summary>
/// Incremental rebalancing as in Kafka's KIP-848: no stop-the-world. Members that keep a partition never pause
/// it; a moved partition is revoked by its owner first and assigned to its new owner only once that revocation
/// is acknowledged, so no partition ever has two consumers (whose commits would race).
/// </summary>
/// <remarks>
/// <c>owned</c> is what each member may be consuming: what it was last allowed plus revocations it has not
/// acknowledged yet. The coordinator applies a step as: on a member's heartbeat, its owned set becomes
/// <c>owned ∪ Assign</c> and it is told to drop <c>Revoke</c>; on its acknowledgement, <c>Revoke</c> leaves its owned
/// set. A member that left or was fenced is removed from <c>owned</c> by the caller: its session is over, so it
/// can no longer commit and its partitions are free at once. The target may change at any step; each plan is
/// computed from the facts of that moment.
/// </remarks>
public static class Reconciliation
{
    /// <summary>Every member's step towards <paramref name="target"/>, for members in either assignment.</summary>
    /// <exception cref="ArgumentException">Two members own one partition: the invariant this exists to keep is already broken.</exception>
    public static ImmutableSortedDictionary<string, MemberReconciliation> Plan(GroupAssignment owned, GroupAssignment target)
    {
        var ownerOf = new Dictionary<TopicPartition, string>();
        foreach (var (memberId, partitions) in owned.Members)
            foreach (var partition in partitions)
                if (!ownerOf.TryAdd(partition, memberId))
                    throw new ArgumentException(
                        $"Partition [{partition}] is owned by both [{ownerOf[partition]}] and [{memberId}]", nameof(owned));

        var plans = ImmutableSortedDictionary.CreateBuilder<string, MemberReconciliation>(StringComparer.Ordinal);
        foreach (var memberId in owned.Members.Keys.Union(target.Members.Keys, StringComparer.Ordinal))
        {
            var has = owned.Of(memberId);
            var wants = target.Of(memberId);
            var missing = wants.Except(has);
            plans[memberId] = new MemberReconciliation(
                memberId,
                Keep: has.Intersect(wants),
                Revoke: has.Except(wants),
                Assign: missing.Where(p => !ownerOf.ContainsKey(p)).ToImmutableSortedSet(TopicPartitionOrder.Instance),
                Pending: missing.Where(ownerOf.ContainsKey).ToImmutableSortedSet(TopicPartitionOrder.Instance));
        }
        return plans.ToImmutable();
    }
}
