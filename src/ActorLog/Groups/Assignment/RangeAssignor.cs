using ActorLog.Common;

namespace ActorLog.Groups.Assignment;

/// <summary>
/// Kafka's RangeAssignor. Per topic, its subscribers in member-id order each take a contiguous range, and the
/// first (partitions mod subscribers) take one more. Contiguous ranges line up across topics: a member that gets
/// partition 3 of "orders" also gets partition 3 of "payments", which co-partitioned joins rely on. The price is
/// that the extra partitions of every topic land on the same first members, so totals can be uneven.
/// </summary>
public sealed class RangeAssignor : IPartitionAssignor
{
    public string Name => "range";

    public GroupAssignment Assign(AssignmentInput input)
    {
        var group = GroupSubscriptions.Of(input);
        var result = group.EmptyAssignment();
        foreach (var topic in group.Topics)
        {
            var subscribers = group.SubscribersOf(topic);
            var partitions = group.PartitionCount(topic);
            var share = partitions / subscribers.Count;
            var withExtra = partitions % subscribers.Count;
            var next = 0;
            for (var i = 0; i < subscribers.Count; i++)
            {
                var end = next + share + (i < withExtra ? 1 : 0);
                for (; next < end; next++) result[subscribers[i]].Add(new TopicPartition(topic, next));
            }
        }
        return GroupAssignment.From(result);
    }
}
