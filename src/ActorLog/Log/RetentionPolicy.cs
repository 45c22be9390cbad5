namespace ActorLog.Log;

/// <summary>
/// Kafka's delete retention, per record batch instead of per segment file: which oldest batches of a replica's log
/// may go. A batch goes when it is older than retention.ms (by the time its leader appended it) or when the log
/// without it still holds at least retention.bytes; batches go oldest first, and the first one that must stay
/// keeps every later one. Two batches always stay: any at or above the high watermark (consumers have not been
/// able to read them, and a follower's copy may still be truncated), and the newest (it carries the log-end offset
/// across a restart, as Kafka keeps its active segment).
/// </summary>
public static class RetentionPolicy
{
    /// <summary>
    /// Most bytes of batches one retention pass drops: their journal rows go in one transaction, which holds the
    /// journal's writer (SQLite has one) meanwhile, so a large backlog goes in several passes, one after the other.
    /// </summary>
    public const long MaxBytesPerPass = 64L * 1024 * 1024;

    /// <summary>
    /// The offset the log may start at now, or null when no batch is due to go. -1 turns a limit off. At most
    /// <paramref name="maxBytesDropped"/> go at once (always at least one batch that is due).
    /// </summary>
    public static long? NewStart(IReadOnlyList<BatchIndexEntry> index, long sizeInBytes, long highWatermark, long nowMs,
        long retentionMs, long retentionBytes, long maxBytesDropped = MaxBytesPerPass)
    {
        if (retentionMs < 0 && retentionBytes < 0) return null;
        var size = sizeInBytes;
        var drop = 0;
        while (drop < index.Count - 1)
        {
            var batch = index[drop];
            if (batch.NextOffset > highWatermark || (drop > 0 && sizeInBytes - size + batch.SizeInBytes > maxBytesDropped)) break;
            var tooOld = retentionMs >= 0 && nowMs - batch.AppendTimeMs > retentionMs;
            var tooBig = retentionBytes >= 0 && size - batch.SizeInBytes >= retentionBytes;
            if (!tooOld && !tooBig) break;
            size -= batch.SizeInBytes;
            drop++;
        }
        return drop == 0 ? null : index[drop].BaseOffset;
    }
}
