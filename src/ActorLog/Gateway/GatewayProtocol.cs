using ActorLog.Common;
using ActorLog.Metadata;
using ActorLog.Serialization;

namespace ActorLog.Gateway;

/// <summary>What a client asks a broker's gateway besides produce and fetch (which go to partitions).</summary>
public static class GatewayProtocol
{
    /// <summary>Topics = null asks for all topics.</summary>
    public sealed record GetMetadata(IReadOnlyList<string>? Topics) : IActorLogMessage;

    public sealed record MetadataResult(IReadOnlyList<BrokerInfo> Brokers, int ControllerBrokerId,
        IReadOnlyList<TopicMetadata> Topics, ErrorInfo? Error) : IActorLogMessage, IAnswer;

    public sealed record DescribeTopic(string Name) : IActorLogMessage;

    /// <summary>
    /// Asks a leader's broker where its replica actor of a partition is, so a client can send produce batches to it
    /// directly instead of through this gateway and the replica manager (two actor hops less per batch).
    /// </summary>
    public sealed record ResolveReplica(TopicPartition Partition) : IActorLogMessage;

    /// <summary>The replica's full actor path (with its incarnation uid), or null when this broker holds no live replica of it.</summary>
    public sealed record ReplicaLocation(TopicPartition Partition, string? ReplicaPath) : IActorLogMessage;

    public sealed record PartitionDescription(int Partition, int Leader, int LeaderEpoch, IReadOnlyList<int> Replicas,
        IReadOnlyList<int> Isr, long LogEndOffset, long HighWatermark) : IActorLogMessage
    {
        /// <summary>The leader's first offset (retention moves it up); -1 when the leader did not answer, like the offsets above.</summary>
        public long LogStartOffset { get; init; }

        /// <summary>Bytes of record batches the leader's log holds; -1 when the leader did not answer.</summary>
        public long LogSizeBytes { get; init; }
    }

    public sealed record TopicDescription(string Name, TopicConfig? Config, IReadOnlyList<PartitionDescription> Partitions,
        ErrorInfo? Error) : IActorLogMessage, IAnswer;
}
