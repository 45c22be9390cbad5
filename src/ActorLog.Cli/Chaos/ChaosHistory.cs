namespace ActorLog.Cli.Chaos;

/// <summary>A record the producer handed to the client: its unique number and the partition it was sent to.</summary>
public readonly record struct SentRecord(long Number, int Partition);

/// <summary>A record the cluster acknowledged (acks=all) at <paramref name="Offset"/>, <paramref name="AckedAt"/> after the run started.</summary>
public readonly record struct AckedRecord(long Number, int Partition, long Offset, TimeSpan AckedAt);

/// <summary>A record whose produce failed for good, with the error code the client gave, <paramref name="FailedAt"/> after the run started.</summary>
public readonly record struct FailedRecord(long Number, int Partition, string Error, TimeSpan FailedAt);

/// <summary>A record read back by the checker; <paramref name="Number"/> is null when its value is not a number.</summary>
public readonly record struct ReadRecord(int Partition, long Offset, long? Number);

/// <summary>
/// Everything the checker judges: what was sent, acknowledged and failed, what was read back from every
/// partition (offset 0 up to its high watermark), and the high watermark of each partition read to its end.
/// A partition that could not be read to its end is listed in <paramref name="Unreadable"/> with what was read of
/// it: its acknowledged records not read are unverified, not lost. Sent records that are neither acknowledged
/// nor failed are indeterminate (still in flight when the run ended).
/// </summary>
public sealed record ChaosHistory(
    IReadOnlyList<SentRecord> Sent,
    IReadOnlyList<AckedRecord> Acked,
    IReadOnlyList<FailedRecord> Failed,
    IReadOnlyList<ReadRecord> Read,
    IReadOnlyDictionary<int, long> HighWatermarks,
    IReadOnlySet<int> Unreadable);
