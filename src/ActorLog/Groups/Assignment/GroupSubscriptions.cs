using ActorLog.Common;

namespace ActorLog.Groups.Assignment;

/// <summary>
/// The input normalised once for every assignor: members sorted by id (ordinal), so the caller's order cannot
/// change a result, and subscriptions narrowed to topics that exist with at least one partition. Validation
/// lives here so the three assignors refuse the same inputs with the same messages.
/// </summary>
internal sealed class GroupSubscriptions
{
    private readonly Dictionary<string, HashSet<string>> _topicsOf = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, List<string>> _subscribersOf = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, int> _partitionCounts;

    private GroupSubscriptions(AssignmentInput input)
    {
        _partitionCounts = input.PartitionCounts;
        foreach (var (topic, count) in input.PartitionCounts)
            if (count < 0)
                throw new ArgumentException($"Topic [{topic}] has a negative partition count ({count})", nameof(input));

        foreach (var member in input.Members)
        {
            if (string.IsNullOrEmpty(member.MemberId))
                throw new ArgumentException("A group member has an empty member id", nameof(input));
            if (!_topicsOf.TryAdd(member.MemberId, new HashSet<string>(StringComparer.Ordinal)))
                throw new ArgumentException($"Member [{member.MemberId}] appears twice in the group", nameof(input));
        }

        // Walking members in id order fills each topic's subscriber list already sorted.
        var sorted = input.Members.OrderBy(m => m.MemberId, StringComparer.Ordinal).ToList();
        foreach (var member in sorted)
            foreach (var topic in member.SubscribedTopics)
            {
                if (!input.PartitionCounts.TryGetValue(topic, out var count) || count == 0) continue;
                if (!_topicsOf[member.MemberId].Add(topic)) continue;
                if (!_subscribersOf.TryGetValue(topic, out var subscribers))
                    _subscribersOf[topic] = subscribers = new List<string>();
                subscribers.Add(member.MemberId);
            }
        MemberIds = sorted.Select(m => m.MemberId).ToList();
    }

    /// <summary>Live members, sorted by id (ordinal).</summary>
    public IReadOnlyList<string> MemberIds { get; }

    /// <summary>Existing topics with at least one subscriber, sorted by name (ordinal).</summary>
    public IEnumerable<string> Topics => _subscribersOf.Keys;

    public static GroupSubscriptions Of(AssignmentInput input) => new(input);

    public int PartitionCount(string topic) => _partitionCounts[topic];

    /// <summary>The members subscribed to an assignable topic, sorted by id.</summary>
    public IReadOnlyList<string> SubscribersOf(string topic) => _subscribersOf[topic];

    public bool IsSubscribed(string memberId, string topic) => _topicsOf[memberId].Contains(topic);

    /// <summary>Whether the member may own the partition: it is live, subscribed, and the partition exists.</summary>
    public bool CanOwn(string memberId, TopicPartition partition) =>
        _topicsOf.TryGetValue(memberId, out var topics)
        && topics.Contains(partition.Topic)
        && partition.Partition >= 0
        && partition.Partition < _partitionCounts[partition.Topic];

    /// <summary>Every partition to assign, by topic then partition.</summary>
    public IEnumerable<TopicPartition> AllPartitions() =>
        Topics.SelectMany(topic => Enumerable.Range(0, PartitionCount(topic)).Select(p => new TopicPartition(topic, p)));

    /// <summary>A result to fill: every live member present, so members that get nothing still get a set.</summary>
    public Dictionary<string, SortedSet<TopicPartition>> EmptyAssignment() =>
        MemberIds.ToDictionary(id => id, _ => new SortedSet<TopicPartition>(TopicPartitionOrder.Instance), StringComparer.Ordinal);
}
