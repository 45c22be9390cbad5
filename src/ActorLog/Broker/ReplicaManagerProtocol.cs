using ActorLog.Metadata;

namespace ActorLog.Broker;

/// <summary>Local (same-broker) messages between the replica manager and its replicas; never serialized.</summary>
internal static class ReplicaManagerProtocol
{
    /// <summary>The controller's latest word on a partition: the replica becomes leader or follower by epoch.</summary>
    public sealed record AssignmentChanged(PartitionMetadata Partition, TopicConfig Config);

    /// <summary>A broker is unreachable or left the cluster: a leader drops it from the in-sync replicas without waiting for lag.</summary>
    public sealed record BrokerDown(int BrokerId);

    /// <summary>
    /// A new controller took over: a leader sends again an ISR change still unconfirmed, which may have gone to the
    /// previous controller and been lost with it.
    /// </summary>
    public sealed record ControllerChanged(int ControllerEpoch);

    /// <summary>The topic was deleted: the replica deletes its journal and stops.</summary>
    public sealed record DeletePartition;
}
