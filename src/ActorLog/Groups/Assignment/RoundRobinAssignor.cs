namespace ActorLog.Groups.Assignment;

/// <summary>
/// Kafka's RoundRobinAssignor. All partitions, by topic then partition, are dealt like cards over the members in
/// id order; a member not subscribed to a partition's topic is passed over and the deal continues after the
/// member that took it. With identical subscriptions totals differ by at most one, which range cannot promise.
/// It ignores the current assignment, so any membership change can move most partitions.
/// </summary>
public sealed class RoundRobinAssignor : IPartitionAssignor
{
    public string Name => "roundrobin";

    public GroupAssignment Assign(AssignmentInput input)
    {
        var group = GroupSubscriptions.Of(input);
        var result = group.EmptyAssignment();
        var members = group.MemberIds;
        var next = 0;
        // Every partition listed has a subscriber (see GroupSubscriptions.Topics), so the skip loop ends.
        foreach (var partition in group.AllPartitions())
        {
            while (!group.IsSubscribed(members[next], partition.Topic)) next = (next + 1) % members.Count;
            result[members[next]].Add(partition);
            next = (next + 1) % members.Count;
        }
        return GroupAssignment.From(result);
    }
}
