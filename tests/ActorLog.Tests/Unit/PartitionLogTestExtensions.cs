using ActorLog.Log;

namespace ActorLog.Tests.Unit;

/// <summary>Shorthands for tests that are about offsets rather than journal sequence numbers or the cache.</summary>
internal static class PartitionLogTestExtensions
{
    /// <summary>Appends as if the batch's event followed the last one the log names.</summary>
    public static void Append(this PartitionLog log, RecordBatch batch) =>
        log.Append(batch, log.Index.Count == 0 ? 1 : log.Index[^1].SequenceNr + 1);

    /// <summary>A read that must be served from memory (an unbounded cache always is).</summary>
    public static IReadOnlyList<RecordBatch> ReadInMemory(this PartitionLog log, long offset, long maxOffset, int maxBytes) =>
        Xunit.Assert.IsType<LogRead.InMemory>(log.Read(offset, maxOffset, maxBytes)).Batches;
}
