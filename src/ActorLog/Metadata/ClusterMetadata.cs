using System.Collections.Immutable;
using ActorLog.Common;
using ActorLog.Serialization;

namespace ActorLog.Metadata;

/// <summary>Per-topic settings, fixed at creation (Kafka's topic configs of the same names).</summary>
public sealed record TopicConfig(int MinInsyncReplicas, int MaxMessageBytes, bool UncleanLeaderElection);

/// <summary>
/// Where a partition lives. Leader is a broker id, or -1 while the partition is offline. Every change of
/// leader bumps LeaderEpoch; replicas and clients drop messages carrying an older epoch.
/// </summary>
public sealed record PartitionMetadata(int Partition, int Leader, int LeaderEpoch, IReadOnlyList<int> Replicas, IReadOnlyList<int> Isr)
{
    public bool IsOffline => Leader < 0;
}

public sealed record TopicMetadata(string Name, TopicConfig Config, IReadOnlyList<PartitionMetadata> Partitions)
{
    public TopicMetadata WithPartition(PartitionMetadata p)
    {
        var list = Partitions.ToArray();
        list[p.Partition] = p;
        return this with { Partitions = list };
    }
}

/// <summary>
/// The controller's whole state, replicated to every broker through Distributed Data (majority writes).
/// Only the controller singleton writes it; Version grows by one with each change.
/// </summary>
public sealed record ClusterMetadata(long Version, ImmutableSortedDictionary<string, TopicMetadata> Topics) : IActorLogMessage
{
    public static readonly ClusterMetadata Empty = new(0, ImmutableSortedDictionary<string, TopicMetadata>.Empty);

    public PartitionMetadata? Find(TopicPartition tp) =>
        Topics.TryGetValue(tp.Topic, out var t) && tp.Partition >= 0 && tp.Partition < t.Partitions.Count
            ? t.Partitions[tp.Partition] : null;

    public ClusterMetadata WithTopic(TopicMetadata topic) => new(Version + 1, Topics.SetItem(topic.Name, topic));

    public ClusterMetadata WithoutTopic(string name) => new(Version + 1, Topics.Remove(name));
}

/// <summary>A broker as clients see it: id, the address its gateway listens on, and whether it is up.</summary>
public sealed record BrokerInfo(int Id, string Host, int Port, string Status) : IActorLogMessage;
