using ActorLog.Serialization;

namespace ActorLog.Log;

/// <summary>
/// The unit of the log: what the leader persists as ONE journal event, pushes to followers as one
/// message and hands to consumers. Records take the offsets BaseOffset .. BaseOffset + Count - 1.
/// ProducerId/BaseSequence identify an idempotent producer's batch (-1 when not idempotent).
/// </summary>
public sealed record RecordBatch(
    long BaseOffset,
    int LeaderEpoch,
    long ProducerId,
    int BaseSequence,
    IReadOnlyList<Record> Records) : IActorLogMessage
{
    public int Count => Records.Count;

    /// <summary>The offset after this batch's last record: the log-end offset once it is appended.</summary>
    public long NextOffset => BaseOffset + Records.Count;

    public long LastOffset => NextOffset - 1;

    public int SizeInBytes
    {
        get
        {
            var size = 32;
            foreach (var r in Records) size += r.SizeInBytes;
            return size;
        }
    }
}

/// <summary>
/// Journal marker: the log's tail from <see cref="Offset"/> on was dropped (a follower's tail that the
/// new leader does not have). The journal stays append-only; recovery applies the marker.
/// </summary>
public sealed record LogTruncated(long Offset, int LeaderEpoch) : IActorLogMessage;
