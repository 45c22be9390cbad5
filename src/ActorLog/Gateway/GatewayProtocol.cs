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
        IReadOnlyList<TopicMetadata> Topics, ErrorInfo? Error) : IActorLogMessage;

    public sealed record DescribeTopic(string Name) : IActorLogMessage;

    public sealed record PartitionDescription(int Partition, int Leader, int LeaderEpoch, IReadOnlyList<int> Replicas,
        IReadOnlyList<int> Isr, long LogEndOffset, long HighWatermark) : IActorLogMessage;

    public sealed record TopicDescription(string Name, TopicConfig? Config, IReadOnlyList<PartitionDescription> Partitions,
        ErrorInfo? Error) : IActorLogMessage;
}
