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
    /// The batch trigger's floor in the size of the index: a snapshot writes the whole index, so one taken every
    /// <c>snapshot-after-batches</c> batches of a long log would write many entries per batch appended. Waiting for
    /// a sixteenth of the index keeps that at 16 entries (768 bytes) per batch, and a restart's replay at a sixteenth.
    /// </summary>
    public const int IndexFractionPerBatchTrigger = 16;

    /// <summary>
    /// When a replica saves its next snapshot; either trigger (0 turns it off):
    /// <list type="bullet">
    /// <item>bytes: <paramref name="intervalBytes"/> of batches written since the last one, and never before 8 times
    /// the snapshot's own size, so snapshots stay at most an eighth of what is written;</item>
    /// <item>batches: <paramref name="intervalBatches"/> batches written since the last one, and at least a sixteenth
    /// of the index. A restart replays one journal event per batch, so with small batches (a slow producer, acks=all
    /// one record at a time) the bytes alone left hundreds of thousands of events to replay.</item>
    /// </list>
    /// </summary>
    public static bool IsDue(long bytesSinceLast, long batchesSinceLast, int batchCount, long intervalBytes, long intervalBatches) =>
        (intervalBytes > 0 && bytesSinceLast >= Math.Max(intervalBytes, 8L * BytesPerEntry * batchCount))
        || (intervalBatches > 0 && batchesSinceLast >= Math.Max(intervalBatches, batchCount / IndexFractionPerBatchTrigger));
}
