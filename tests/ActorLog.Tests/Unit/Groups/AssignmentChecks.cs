using ActorLog.Common;
using ActorLog.Groups.Assignment;
using Xunit;

namespace ActorLog.Tests.Unit.Groups;

/// <summary>The assignor contract and the measures the tests assert, computed from the input independently.</summary>
internal static class AssignmentChecks
{
    /// <summary>Partitions of existing topics some member subscribes to: exactly what must be assigned.</summary>
    public static HashSet<TopicPartition> AssignablePartitions(AssignmentInput input) =>
        input.Members.SelectMany(m => m.SubscribedTopics).Distinct()
            .Where(input.PartitionCounts.ContainsKey)
            .SelectMany(t => Enumerable.Range(0, input.PartitionCounts[t]).Select(p => new TopicPartition(t, p)))
            .ToHashSet();

    public static bool MayOwn(AssignmentInput input, string memberId, TopicPartition partition) =>
        input.Members.Any(m => m.MemberId == memberId && m.SubscribedTopics.Contains(partition.Topic))
        && input.PartitionCounts.TryGetValue(partition.Topic, out var count)
        && partition.Partition >= 0 && partition.Partition < count;

    /// <summary>Every assignable partition exactly once, only to a live subscribed member; every member listed.</summary>
    public static void AssertValid(AssignmentInput input, GroupAssignment result)
    {
        var context = $"input members [{string.Join(" ", input.Members.Select(m => $"{m.MemberId}:{string.Join(",", m.SubscribedTopics)}"))}] result [{result}]";
        Assert.True(
            input.Members.Select(m => m.MemberId).Order(StringComparer.Ordinal).SequenceEqual(result.Members.Keys),
            $"members differ: {context}");
        var seen = new HashSet<TopicPartition>();
        foreach (var (memberId, partitions) in result.Members)
            foreach (var partition in partitions)
            {
                Assert.True(seen.Add(partition), $"{partition} assigned twice: {context}");
                Assert.True(MayOwn(input, memberId, partition), $"{partition} given to {memberId}, which may not own it: {context}");
            }
        Assert.True(seen.SetEquals(AssignablePartitions(input)), $"not every partition assigned: {context}");
    }

    /// <summary>Partitions a live member could have kept (it still may own them) but no longer has.</summary>
    public static int Moved(AssignmentInput input, GroupAssignment result) =>
        input.Current.Members
            .SelectMany(m => m.Value.Select(p => (Member: m.Key, Partition: p)))
            .Count(o => MayOwn(input, o.Member, o.Partition) && !result.Of(o.Member).Contains(o.Partition));

    public static (int Min, int Max) LoadRange(GroupAssignment result) =>
        result.Members.Count == 0 ? (0, 0) : (result.Members.Values.Min(p => p.Count), result.Members.Values.Max(p => p.Count));

    /// <summary>The same facts in another order: members, each member's topics, and the partition-count map.</summary>
    public static AssignmentInput Shuffled(AssignmentInput input, Random rng) =>
        input with
        {
            Members = input.Members
                .Select(m => m with { SubscribedTopics = m.SubscribedTopics.OrderBy(_ => rng.Next()).ToArray() })
                .OrderBy(_ => rng.Next()).ToArray(),
            PartitionCounts = input.PartitionCounts.OrderBy(_ => rng.Next()).ToDictionary(kv => kv.Key, kv => kv.Value),
        };

    /// <summary>Kafka's documentation notation: "C0: t0p0 t1p1; C1: t0p1" (topic, 'p', partition).</summary>
    public static GroupAssignment Parse(string text) =>
        GroupAssignment.From(text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(member => member.Split(':', StringSplitOptions.TrimEntries))
            .Select(parts => KeyValuePair.Create(
                parts[0],
                parts[1].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(ParsePartition))));

    private static TopicPartition ParsePartition(string text)
    {
        var p = text.LastIndexOf('p');
        return new TopicPartition(text[..p], int.Parse(text[(p + 1)..]));
    }

    public static GroupMember Member(string id, params string[] topics) => new(id, topics);

    public static Dictionary<string, int> Topics(params (string Topic, int Partitions)[] topics) =>
        topics.ToDictionary(t => t.Topic, t => t.Partitions);
}
