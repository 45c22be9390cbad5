using System.Collections.Immutable;
using ActorLog.Common;

namespace ActorLog.Groups.Assignment;

/// <summary>
/// Member id → its partitions: a target from an assignor, or what members own. Immutable and sorted, so equal
/// assignments enumerate and print alike. It does not enforce one owner per partition: a previous assignment
/// handed to an assignor may be inconsistent, and the assignors and <see cref="Reconciliation"/> decide what
/// that means.
/// </summary>
public sealed record GroupAssignment
{
    private static readonly ImmutableSortedSet<TopicPartition> NoPartitions =
        ImmutableSortedSet.Create<TopicPartition>(TopicPartitionOrder.Instance);

    public static readonly GroupAssignment Empty =
        new(ImmutableSortedDictionary.Create<string, ImmutableSortedSet<TopicPartition>>(StringComparer.Ordinal));

    private GroupAssignment(ImmutableSortedDictionary<string, ImmutableSortedSet<TopicPartition>> members) => Members = members;

    public ImmutableSortedDictionary<string, ImmutableSortedSet<TopicPartition>> Members { get; }

    public static GroupAssignment From<TPartitions>(IEnumerable<KeyValuePair<string, TPartitions>> members)
        where TPartitions : IEnumerable<TopicPartition>
    {
        var builder = ImmutableSortedDictionary.CreateBuilder<string, ImmutableSortedSet<TopicPartition>>(StringComparer.Ordinal);
        foreach (var (memberId, partitions) in members)
            builder.Add(memberId, ImmutableSortedSet.CreateRange(TopicPartitionOrder.Instance, partitions));
        return new GroupAssignment(builder.ToImmutable());
    }

    /// <summary>The member's partitions; none for a member the assignment does not name.</summary>
    public ImmutableSortedSet<TopicPartition> Of(string memberId) =>
        Members.TryGetValue(memberId, out var partitions) ? partitions : NoPartitions;

    // By content: the generated record equality would compare the dictionary by reference, and a coordinator
    // needs "is the new target the one members already have?" to decide whether anything must move.
    public bool Equals(GroupAssignment? other) =>
        other is not null
        && Members.Count == other.Members.Count
        && Members.All(m => other.Members.TryGetValue(m.Key, out var theirs) && theirs.SetEquals(m.Value));

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var (memberId, partitions) in Members)
        {
            hash.Add(memberId, StringComparer.Ordinal);
            hash.Add(partitions.Count);
        }
        return hash.ToHashCode();
    }

    public override string ToString() =>
        string.Join("; ", Members.Select(m => $"{m.Key}=[{string.Join(", ", m.Value)}]"));
}
