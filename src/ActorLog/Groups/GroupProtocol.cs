using ActorLog.Common;
using ActorLog.Serialization;

namespace ActorLog.Groups;

/// <summary>Messages addressed to one consumer group: routed by sharding to its coordinator.</summary>
public interface IGroupMessage : IActorLogMessage
{
    string GroupId { get; }
}

/// <summary>
/// The consumer-group protocol (Kafka's KIP-848 shape): membership by heartbeat, assignment computed by the
/// coordinator, offsets committed to the internal offsets topic, and group admin.
/// </summary>
public static class GroupProtocol
{
    /// <summary>MemberEpoch 0 joins (MemberId empty: the coordinator picks one), -1 leaves.</summary>
    public const int JoinEpoch = 0;
    public const int LeaveEpoch = -1;

    /// <summary>
    /// Joins, stays in, or leaves a group. OwnedPartitions is what the member consumes now: partitions it was
    /// told to revoke and no longer lists are acknowledged as revoked (null: no change since the last heartbeat).
    /// SessionTimeoutMs 0 takes the broker's default; Assignor is range, roundrobin or sticky (empty: sticky).
    /// </summary>
    public sealed record ConsumerGroupHeartbeat(string GroupId, string MemberId, int MemberEpoch, IReadOnlyList<string> SubscribedTopics,
        string Assignor, int SessionTimeoutMs, IReadOnlyList<TopicPartition>? OwnedPartitions) : IGroupMessage;

    /// <summary>Assignment: the partitions the member may consume now (its target, less what others still revoke).</summary>
    public sealed record HeartbeatResult(string MemberId, int MemberEpoch, IReadOnlyList<TopicPartition> Assignment, int HeartbeatIntervalMs,
        ErrorInfo? Error) : IActorLogMessage;

    /// <summary>An offset of a partition: the next record the group will read, and the committer's note.</summary>
    public sealed record PartitionOffset(TopicPartition Partition, long Offset, string Metadata);

    public sealed record PartitionError(TopicPartition Partition, ErrorInfo? Error);

    /// <summary>Refused as a whole (Error) for an unknown group, member or a stale epoch; per partition for partitions the member does not own.</summary>
    public sealed record OffsetCommit(string GroupId, string MemberId, int MemberEpoch, IReadOnlyList<PartitionOffset> Offsets) : IGroupMessage;

    public sealed record OffsetCommitResult(IReadOnlyList<PartitionError> Partitions, ErrorInfo? Error) : IActorLogMessage;

    /// <summary>Partitions null: every committed offset of the group. A partition without a commit answers offset -1.</summary>
    public sealed record OffsetFetch(string GroupId, IReadOnlyList<TopicPartition>? Partitions) : IGroupMessage;

    public sealed record OffsetFetchResult(string GroupId, IReadOnlyList<PartitionOffset> Offsets, ErrorInfo? Error) : IActorLogMessage;

    /// <summary>To a gateway (not a group): every group with members or committed offsets.</summary>
    public sealed record ListGroups : IActorLogMessage
    {
        public static readonly ListGroups Instance = new();
    }

    public sealed record GroupListing(string GroupId, string State);

    public sealed record ListGroupsResult(IReadOnlyList<GroupListing> Groups, ErrorInfo? Error) : IActorLogMessage, IAnswer;

    public sealed record DescribeGroup(string GroupId) : IGroupMessage;

    /// <summary>Assigned: what the member may consume now; Target: what the assignor wants it to have.</summary>
    public sealed record MemberDescription(string MemberId, int MemberEpoch, IReadOnlyList<string> SubscribedTopics,
        IReadOnlyList<TopicPartition> Assigned, IReadOnlyList<TopicPartition> Target);

    /// <summary>State: Empty (no members), Reconciling (members moving towards the target), Stable.</summary>
    public sealed record GroupDescription(string GroupId, string State, int GroupEpoch, string Assignor, IReadOnlyList<MemberDescription> Members,
        IReadOnlyList<PartitionOffset> Offsets, ErrorInfo? Error) : IActorLogMessage;

    public enum ResetTarget : byte
    {
        Earliest = 0,
        Latest = 1,
        Offset = 2,
    }

    /// <summary>Sets the group's committed offsets of every partition of a topic; refused while the group has members.</summary>
    public sealed record ResetOffsets(string GroupId, string Topic, ResetTarget To, long Offset) : IGroupMessage;

    public sealed record ResetOffsetsResult(string GroupId, IReadOnlyList<PartitionOffset> Offsets, ErrorInfo? Error) : IActorLogMessage;

    /// <summary>Deletes the group's committed offsets and record; refused while the group has members.</summary>
    public sealed record DeleteGroup(string GroupId) : IGroupMessage;

    public sealed record DeleteGroupResult(string GroupId, ErrorInfo? Error) : IActorLogMessage;
}
