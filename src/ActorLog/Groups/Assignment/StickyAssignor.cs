using ActorLog.Common;

namespace ActorLog.Groups.Assignment;

/// <summary>
/// Keeps partitions where they are and moves only what balance needs. A moved partition costs its consumer a
/// revocation (commit, stop, hand over) and its new owner a cold start, so fewer moves mean shorter pauses.
/// </summary>
/// <remarks>
/// Three steps:
/// <list type="number">
/// <item>Keep: each live member keeps every current partition it may still own (subscribed, partition exists).
/// A partition claimed by two members goes to the first by id, so a bad input still gives one answer.</item>
/// <item>Place the rest (partitions of departed members, of dropped subscriptions, new partitions), by topic then
/// partition, each on the least loaded subscriber. With identical subscriptions the least loaded member is
/// never above the balanced load, so these placements never force a later move.</item>
/// <item>Balance: while some member holds a partition that a member with at least two fewer partitions could
/// take, move one from the most loaded such member to the least loaded subscriber. Each move lowers the sum of
/// squared loads, so the loop ends; at the end no single move improves balance.</item>
/// </list>
/// With identical subscriptions that end state has loads within one of each other, and the moves are the fewest
/// any balanced assignment needs: a giver is always a most loaded member and a receiver a least loaded one, so
/// no member both gives and receives, and a member over its quota gives up only its excess. With different
/// subscriptions balance is best effort, as in Kafka: a chain of moves (A to B so that B can give to C) is not
/// searched for.
/// Cost: each move scans the givers' partitions and their topics' subscribers, about O(partitions × members);
/// moves are few once a group is stable, since only what changed has to move.
/// </remarks>
public sealed class StickyAssignor : IPartitionAssignor
{
    public string Name => "sticky";

    public GroupAssignment Assign(AssignmentInput input)
    {
        var group = GroupSubscriptions.Of(input);
        var owned = group.EmptyAssignment();
        if (group.MemberIds.Count == 0) return GroupAssignment.From(owned);

        var placed = new HashSet<TopicPartition>();
        foreach (var member in group.MemberIds)
            foreach (var partition in input.Current.Of(member))
                if (group.CanOwn(member, partition) && placed.Add(partition))
                    owned[member].Add(partition);

        foreach (var partition in group.AllPartitions())
            if (!placed.Contains(partition))
                owned[LeastLoaded(group.SubscribersOf(partition.Topic), owned)].Add(partition);

        while (FindImprovingMove(group, owned, input.Current) is (var partition, var from, var to))
        {
            owned[from].Remove(partition);
            owned[to].Add(partition);
        }
        return GroupAssignment.From(owned);
    }

    private static (TopicPartition Partition, string From, string To)? FindImprovingMove(
        GroupSubscriptions group, Dictionary<string, SortedSet<TopicPartition>> owned, GroupAssignment current)
    {
        var minLoad = owned.Values.Min(p => p.Count);
        var givers = group.MemberIds.OrderByDescending(m => owned[m].Count).ThenBy(m => m, StringComparer.Ordinal);
        foreach (var giver in givers)
        {
            var load = owned[giver].Count;
            // Givers come most loaded first: once one is within one of the minimum, every later one is too.
            if (load - minLoad < 2) return null;
            // Hand over partitions the giver did not own before first (placed on it in this run), so that a
            // move does not cost a revocation; then the highest, so what stays is a stable prefix.
            var before = current.Of(giver);
            var candidates = owned[giver].OrderBy(before.Contains).ThenByDescending(p => p, TopicPartitionOrder.Instance);
            foreach (var partition in candidates)
            {
                var receiver = LeastLoaded(group.SubscribersOf(partition.Topic), owned);
                if (owned[receiver].Count <= load - 2) return (partition, giver, receiver);
            }
        }
        return null;
    }

    /// <summary>The candidate with the fewest partitions; ties go to the first by id (candidates are sorted).</summary>
    private static string LeastLoaded(IReadOnlyList<string> candidates, Dictionary<string, SortedSet<TopicPartition>> owned)
    {
        var best = candidates[0];
        foreach (var candidate in candidates)
            if (owned[candidate].Count < owned[best].Count) best = candidate;
        return best;
    }
}
