using ActorLog.Common;
using ActorLog.Log;
using ActorLog.Serialization;

namespace ActorLog.Partition;

/// <summary>Messages addressed to one partition: routed by sharding to its leader's broker.</summary>
public interface IPartitionMessage : IActorLogMessage
{
    TopicPartition Partition { get; }
}

/// <summary>The data-path protocol of a partition (clients, gateways and replicas).</summary>
public static class PartitionProtocol
{
    /// <summary>
    /// Acks: 0 = no answer, 1 = the leader persisted, -1 = all in-sync replicas persisted. The batch's offsets
    /// and epoch are the leader's to set; its producer id and sequence make retries idempotent.
    /// </summary>
    public sealed record Produce(TopicPartition Partition, short Acks, int TimeoutMs, RecordBatch Batch) : IPartitionMessage
    {
        /// <summary>Echoed in the answer, so a client can send with itself as sender instead of an Ask per batch (0: none).</summary>
        public long CorrelationId { get; init; }

        /// <summary>The answer to this request: every answer carries its correlation id.</summary>
        public ProduceResult Answer(long baseOffset, ErrorInfo? error = null, int leaderHint = -1, int leaderEpochHint = -1) =>
            new(Partition, baseOffset, error, leaderHint, leaderEpochHint) { CorrelationId = CorrelationId };
    }

    public sealed record ProduceResult(TopicPartition Partition, long BaseOffset, ErrorInfo? Error,
        int LeaderHint = -1, int LeaderEpochHint = -1) : IActorLogMessage
    {
        /// <summary>The answered request's <see cref="Produce.CorrelationId"/>.</summary>
        public long CorrelationId { get; init; }
    }

    /// <summary>
    /// Reads from <see cref="Offset"/>; waits up to MaxWaitMs when nothing is below the high watermark yet
    /// (a negative MaxWaitMs takes the broker's <c>fetch.default-max-wait</c>).
    /// </summary>
    public sealed record Fetch(TopicPartition Partition, long Offset, int MaxBytes, int MaxWaitMs) : IPartitionMessage;

    public sealed record FetchResult(TopicPartition Partition, long HighWatermark, long LogStartOffset,
        IReadOnlyList<RecordBatch> Batches, ErrorInfo? Error, int LeaderHint = -1, int LeaderEpochHint = -1) : IActorLogMessage;

    public sealed record GetPartitionState(TopicPartition Partition) : IPartitionMessage;

    public sealed record PartitionState(TopicPartition Partition, string Role, int LeaderEpoch, long LogEndOffset,
        long HighWatermark, IReadOnlyList<int> InSyncReplicas, ErrorInfo? Error) : IActorLogMessage
    {
        /// <summary>The first offset the replica's log holds (retention moves it up).</summary>
        public long LogStartOffset { get; init; }

        /// <summary>Bytes of record batches the replica's log holds (what retention.bytes limits).</summary>
        public long LogSizeBytes { get; init; }
    }
}

/// <summary>Leader ⇄ follower replication. Every message carries the leader epoch it belongs to.</summary>
public static class ReplicationProtocol
{
    /// <summary>
    /// A follower subscribes to the leader from <see cref="FetchOffset"/> (its log-end offset); the leader
    /// answers with <see cref="FollowerFetchResult"/> and then pushes every batch it persists.
    /// </summary>
    public sealed record FollowerFetch(TopicPartition Partition, int FollowerBrokerId, int LeaderEpoch,
        long FetchOffset, int LastFetchedEpoch) : IPartitionMessage;

    /// <summary>
    /// Accepted (TruncateTo = -1), or the follower must first truncate its log at TruncateTo. A follower whose log ends
    /// below the leader's <see cref="LogStartOffset"/> (retention dropped what it needs next) is not subscribed: it
    /// starts its log over at the leader's start and subscribes from there.
    /// </summary>
    public sealed record FollowerFetchResult(TopicPartition Partition, int LeaderEpoch, long TruncateTo, long HighWatermark,
        ErrorInfo? Error) : IActorLogMessage
    {
        public long LogStartOffset { get; init; }
    }

    public sealed record ReplicateBatch(TopicPartition Partition, int LeaderEpoch, RecordBatch Batch, long HighWatermark) : IActorLogMessage;

    public sealed record FollowerAck(TopicPartition Partition, int FollowerBrokerId, int LeaderEpoch, long LogEndOffset) : IPartitionMessage;

    /// <summary>
    /// The leader's log now starts at <see cref="LogStartOffset"/> (retention, or the offsets topic's cleaning): its
    /// subscribed followers drop what they hold below it too, as Kafka's followers follow the leader's log start.
    /// </summary>
    public sealed record LogStartMoved(TopicPartition Partition, int LeaderEpoch, long LogStartOffset) : IActorLogMessage;
}
