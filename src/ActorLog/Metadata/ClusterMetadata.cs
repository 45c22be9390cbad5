using System.Collections.Immutable;
using ActorLog.Common;
using ActorLog.Serialization;

namespace ActorLog.Metadata;

/// <summary>
/// Per-topic settings (Kafka's topic configs of the same names): min.insync.replicas and max.message.bytes are fixed
/// at creation; unclean.leader.election.enable, retention.ms and retention.bytes may be altered. Retention of -1
/// keeps everything (topics created before retention existed read as -1: they keep what they had).
/// </summary>
public sealed record TopicConfig(int MinInsyncReplicas, int MaxMessageBytes, bool UncleanLeaderElection,
    long RetentionMs = -1, long RetentionBytes = -1);

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
    /// <summary>Every partition of a topic has as many replicas as it was created with (a topic has at least one partition).</summary>
    public int ReplicationFactor => Partitions.Count == 0 ? 0 : Partitions[0].Replicas.Count;

    public TopicMetadata WithPartition(PartitionMetadata p)
    {
        var list = Partitions.ToArray();
        list[p.Partition] = p;
        return this with { Partitions = list };
    }
}

/// <summary>
/// The controller's whole state, replicated to every broker through Distributed Data (majority writes).
/// Only the controller singleton writes it; Version grows by one with each change. ControllerEpoch grows
/// each time a controller takes over, and orders values across controllers (see <see cref="Timestamp"/>).
/// </summary>
/// <remarks>Brokers: every broker id that has been a member, so a starting controller knows how many make a majority.</remarks>
public sealed record ClusterMetadata(long Version, ImmutableSortedDictionary<string, TopicMetadata> Topics, int ControllerEpoch = 0,
    ImmutableSortedSet<int>? Brokers = null) : IActorLogMessage
{
    public static readonly ClusterMetadata Empty = new(0, ImmutableSortedDictionary<string, TopicMetadata>.Empty);

    public ImmutableSortedSet<int> KnownBrokers => Brokers ?? ImmutableSortedSet<int>.Empty;

    public ClusterMetadata WithBrokers(IEnumerable<int> ids) => this with { Version = Version + 1, Brokers = KnownBrokers.Union(ids) };

    /// <summary>
    /// The value's last-writer-wins timestamp: (controller epoch, version), not wall-clock time. A deposed
    /// controller cut off in a minority can still change its local copy (its majority write fails, the local
    /// update stays, and its durable store keeps it); with a wall clock that newer-looking value would win
    /// when it comes back. Under this order the new controller's writes, at a higher epoch, always win.
    /// </summary>
    public long Timestamp => ((long)ControllerEpoch << 40) + Version;

    public bool IsNewerThan(ClusterMetadata other) => Timestamp > other.Timestamp;

    public PartitionMetadata? Find(TopicPartition tp) =>
        Topics.TryGetValue(tp.Topic, out var t) && tp.Partition >= 0 && tp.Partition < t.Partitions.Count
            ? t.Partitions[tp.Partition] : null;

    public ClusterMetadata WithTopic(TopicMetadata topic) => this with { Version = Version + 1, Topics = Topics.SetItem(topic.Name, topic) };

    public ClusterMetadata WithoutTopic(string name) => this with { Version = Version + 1, Topics = Topics.Remove(name) };

    /// <summary>A new controller's first write: from here on its values outrank any earlier controller's.</summary>
    public ClusterMetadata NextControllerEpoch() => this with { Version = Version + 1, ControllerEpoch = ControllerEpoch + 1 };
}

/// <summary>A broker as clients see it: id, the address its gateway listens on, and whether it is up.</summary>
public sealed record BrokerInfo(int Id, string Host, int Port, string Status) : IActorLogMessage;
