using ActorLog.Serialization;

namespace ActorLog.Log;

/// <summary>
/// A replica's log index (never its records) saved as an Akka.Persistence snapshot, so a restart replays only the
/// journal events after it instead of the whole log (decision 30). Everything else a replica rebuilds at recovery
/// follows from the index: the leader epochs and the producer table (each entry carries epoch, producer and
/// sequence), the size; the tail cache fills from the events replayed after the snapshot.
/// </summary>
public sealed record LogIndexSnapshot(long LogEndOffset, BatchIndexEntry[] Entries) : IActorLogMessage
{
    /// <summary>Bytes of index a snapshot holds per batch (as written by the serializer).</summary>
    public const int BytesPerEntry = 48;

    /// <summary>
    /// When a replica saves its next snapshot: after at least <paramref name="intervalBytes"/> of batches were
    /// written since the last one, and never before 8 times the snapshot's own size, so snapshots stay at most an
    /// eighth of what is written even when the index is large (small batches, a long log). 0 turns them off.
    /// </summary>
    public static bool IsDue(long bytesSinceLast, int batchCount, long intervalBytes) =>
        intervalBytes > 0 && bytesSinceLast >= Math.Max(intervalBytes, 8L * BytesPerEntry * batchCount);
}
