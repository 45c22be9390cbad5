using ActorLog.Common;

namespace ActorLog.Groups.Offsets;

/// <summary>
/// What the offsets topic holds, keyed so the last record of a key is its value (as a compacted Kafka topic):
/// a group's committed offset per partition, and a record that the group exists. A null value is a tombstone
/// (offsets reset away or the group deleted).
/// </summary>
public abstract record OffsetsRecord(string GroupId);

/// <summary>Value null: the group's offset of that partition is deleted.</summary>
public sealed record OffsetCommitRecord(string GroupId, TopicPartition Partition, OffsetValue? Value) : OffsetsRecord(GroupId);

/// <summary>MemberEpoch is the committer's (-1 for an admin reset), kept for diagnosis.</summary>
public sealed record OffsetValue(long Offset, string Metadata, int MemberEpoch, long CommitTimestamp);

/// <summary>The group exists (written when its first member joins); Assignor null: the group was deleted.</summary>
public sealed record GroupRecord(string GroupId, string? Assignor) : OffsetsRecord(GroupId);
