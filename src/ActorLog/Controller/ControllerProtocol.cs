using ActorLog.Common;
using ActorLog.Metadata;
using ActorLog.Serialization;

namespace ActorLog.Controller;

/// <summary>Commands to the cluster-singleton controller, and its answers.</summary>
public static class ControllerProtocol
{
    public interface IControllerCommand : IActorLogMessage;

    /// <summary>A client's command on one topic, answered with a <see cref="TopicResult"/>.</summary>
    public interface ITopicCommand : IControllerCommand;

    /// <summary>MinInsyncReplicas / MaxMessageBytes of 0 and retention not given (null) take the broker defaults; -1 retention keeps everything.</summary>
    public sealed record CreateTopic(string Name, int Partitions, int ReplicationFactor, int MinInsyncReplicas, int MaxMessageBytes,
        bool UncleanLeaderElection = false, long? RetentionMs = null, long? RetentionBytes = null) : ITopicCommand;

    public sealed record DeleteTopic(string Name) : ITopicCommand;

    /// <summary>Changes the given settings of a topic (null: unchanged): unclean.leader.election.enable, retention.ms, retention.bytes.</summary>
    public sealed record AlterTopicConfig(string Name, bool? UncleanLeaderElection, long? RetentionMs = null, long? RetentionBytes = null)
        : ITopicCommand;

    /// <summary>
    /// Grows a topic to <paramref name="TotalPartitions"/> partitions (Kafka's CreatePartitions): only new partitions are
    /// placed; existing ones keep their replicas, leaders and epochs. Answered with a <see cref="TopicResult"/>.
    /// </summary>
    public sealed record AddPartitions(string Name, int TotalPartitions) : ITopicCommand;

    public sealed record TopicResult(TopicMetadata? Topic, ErrorInfo? Error) : IActorLogMessage, IAnswer;

    /// <summary>A leader asks to record a new in-sync set (Kafka's AlterPartition); refused for a stale epoch.</summary>
    public sealed record AlterIsr(TopicPartition Partition, int LeaderBrokerId, int LeaderEpoch, IReadOnlyList<int> Isr)
        : IControllerCommand;

    /// <summary>
    /// A replica instance that just started asks for a leader epoch it may lead at (see
    /// <see cref="Replication.LeaderEpochClaims"/>): <paramref name="Incarnation"/> is its broker's cluster incarnation
    /// (UniqueAddress uid); <paramref name="Restarted"/> says an earlier instance of it ran in that incarnation.
    /// Answered with <see cref="LeaderEpochClaimed"/>.
    /// </summary>
    public sealed record ClaimLeaderEpoch(TopicPartition Partition, int BrokerId, long Incarnation, bool Restarted) : IControllerCommand;

    /// <summary>The partition as the controller has it after the claim (with a new epoch when the claimer leads and needed one).</summary>
    public sealed record LeaderEpochClaimed(TopicPartition Partition, PartitionMetadata? Metadata, ErrorInfo? Error) : IActorLogMessage;

    public sealed record AlterIsrResult(TopicPartition Partition, PartitionMetadata? Metadata, ErrorInfo? Error) : IActorLogMessage;

    /// <summary>Moves leadership to each partition's preferred replica now (one topic, or all when Topic is null).</summary>
    public sealed record ElectPreferredLeaders(string? Topic) : IControllerCommand;

    public sealed record PartitionElection(string Topic, int Partition, int Leader, int LeaderEpoch, PreferredOutcome Outcome, string Reason);

    /// <summary>
    /// Creates the internal offsets topic if it does not exist yet (asked by a gateway at the first group request);
    /// answered with a <see cref="TopicResult"/> either way.
    /// </summary>
    public sealed record EnsureOffsetsTopic(int Partitions) : IControllerCommand;

    public sealed record ElectPreferredLeadersResult(IReadOnlyList<PartitionElection> Partitions, ErrorInfo? Error) : IActorLogMessage, IAnswer;
}
