using ActorLog.Common;
using ActorLog.Groups.Assignment;

namespace ActorLog.Tests.Unit.Groups;

/// <summary>
/// Random assignor inputs from a fixed seed, so a failure replays. The current assignment is deliberately messy:
/// members that left, partitions past a topic's end, topics that were deleted, partitions of topics the owner no
/// longer subscribes to. Each partition has at most one current owner (double claims have their own test).
/// </summary>
internal static class AssignmentCases
{
    public const int Count = 500;

    private static readonly string[] TopicPool = ["orders", "payments", "audit-log", "T9", "clicks", "z"];

    /// <param name="SharedSubscription">The topics every member subscribes to, or null when each has its own.</param>
    public sealed record Case(AssignmentInput Input, IReadOnlyList<string>? SharedSubscription);

    public static IEnumerable<Case> Generate(int seed, bool identicalSubscriptions, int count = Count)
    {
        var rng = new Random(seed);
        for (var i = 0; i < count; i++) yield return One(rng, identicalSubscriptions);
    }

    public static Case One(Random rng, bool identicalSubscriptions)
    {
        var topics = TopicPool.OrderBy(_ => rng.Next()).Take(rng.Next(1, 5)).ToArray();
        var counts = topics.ToDictionary(t => t, _ => rng.Next(1, 41));
        var ids = new HashSet<string>();
        var memberCount = rng.Next(0, 13);
        while (ids.Count < memberCount) ids.Add(NewMemberId(rng));
        var shared = Subscription(rng, topics, allowNone: false);
        var members = ids
            .Select(id => new GroupMember(id, identicalSubscriptions ? shared : Subscription(rng, topics, allowNone: true)))
            .ToList();
        var input = new AssignmentInput(members, counts, Current(rng, ids.ToArray(), counts));
        return new Case(input, identicalSubscriptions ? shared : null);
    }

    /// <summary>Ids of varying length, so ordinal order differs from numeric order ("m-10" sorts before "m-9").</summary>
    public static string NewMemberId(Random rng) => $"m-{rng.Next(1, 400)}";

    private static string[] Subscription(Random rng, string[] topics, bool allowNone)
    {
        var chosen = topics.Where(_ => rng.Next(2) == 0).ToList();
        if (chosen.Count == 0 && !(allowNone && rng.Next(8) == 0)) chosen.Add(topics[rng.Next(topics.Length)]);
        if (rng.Next(5) == 0) chosen.Add("not-created-yet");
        return chosen.OrderBy(_ => rng.Next()).ToArray();
    }

    private static GroupAssignment Current(Random rng, string[] liveIds, Dictionary<string, int> counts)
    {
        var current = new Dictionary<string, List<TopicPartition>>();
        if (rng.Next(4) == 0) return GroupAssignment.From(current);
        var owners = liveIds.Concat(["gone-1", "gone-2"]).ToArray();
        void Claim(TopicPartition partition)
        {
            var owner = owners[rng.Next(owners.Length)];
            if (!current.TryGetValue(owner, out var list)) current[owner] = list = [];
            list.Add(partition);
        }
        foreach (var (topic, count) in counts)
        {
            for (var p = 0; p < count; p++)
                if (rng.Next(10) < 7) Claim(new TopicPartition(topic, p));
            if (rng.Next(4) == 0) Claim(new TopicPartition(topic, count + rng.Next(3)));
        }
        if (rng.Next(4) == 0) Claim(new TopicPartition("deleted-topic", rng.Next(3)));
        return GroupAssignment.From(current);
    }
}
