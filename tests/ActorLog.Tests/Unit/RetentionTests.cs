using Record = ActorLog.Log.Record;
using ActorLog.Log;
using Xunit;

namespace ActorLog.Tests.Unit;

/// <summary>Which batches retention drops (<see cref="RetentionPolicy"/>) and how the log drops them (<see cref="PartitionLog.AdvanceStart"/>).</summary>
public class RetentionTests
{
    private const long Off = -1;

    /// <summary>Five batches of 10 records from offset 0, 100 bytes each, appended at 1,000, 2,000, ... 5,000 ms.</summary>
    private static BatchIndexEntry[] FiveBatches() =>
        Enumerable.Range(0, 5).Select(i => new BatchIndexEntry(i * 10, 10, 0, 100, i + 1, -1, -1, (i + 1) * 1000L)).ToArray();

    private static long? NewStart(BatchIndexEntry[] index, long highWatermark = 50, long nowMs = 6000, long retentionMs = Off, long retentionBytes = Off) =>
        RetentionPolicy.NewStart(index, index.Sum(e => (long)e.SizeInBytes), highWatermark, nowMs, retentionMs, retentionBytes);

    [Fact]
    public void Nothing_goes_when_both_limits_are_off() => Assert.Null(NewStart(FiveBatches()));

    [Theory]
    [InlineData(250L, 20L)]   // 500 bytes: 400 and 300 still hold 250; without a third, 200 would not
    [InlineData(300L, 20L)]   // exactly retention.bytes left
    [InlineData(301L, 10L)]
    [InlineData(400L, 10L)]
    [InlineData(401L, null)]  // dropping even one would leave less
    [InlineData(0L, 40L)]     // everything may go but the newest batch
    public void Size_retention_drops_the_oldest_batches_while_the_rest_still_hold_retention_bytes(long retentionBytes, long? expected) =>
        Assert.Equal(expected, NewStart(FiveBatches(), retentionBytes: retentionBytes));

    [Theory]
    [InlineData(6000L, 2500L, 30L)]   // appended at 1,000, 2,000 and 3,000: 5,000, 4,000 and 3,000 ms old
    [InlineData(6000L, 3000L, 20L)]   // exactly retention.ms old stays (Kafka deletes what is older)
    [InlineData(6000L, 5000L, null)]
    [InlineData(60000L, 0L, 40L)]     // all expired: the newest batch still stays
    public void Time_retention_drops_the_batches_older_than_retention_ms(long nowMs, long retentionMs, long? expected) =>
        Assert.Equal(expected, NewStart(FiveBatches(), nowMs: nowMs, retentionMs: retentionMs));

    [Fact]
    public void Either_limit_drops_a_batch()
    {
        // Time alone would drop one batch, size alone two: the two go.
        Assert.Equal(20, NewStart(FiveBatches(), nowMs: 5500, retentionMs: 4000, retentionBytes: 300));
        // Size alone would drop one, time four.
        Assert.Equal(40, NewStart(FiveBatches(), nowMs: 9000, retentionMs: 3500, retentionBytes: 400));
    }

    [Theory]
    [InlineData(50L, 40L)]
    [InlineData(39L, 30L)]   // [20, 30) is wholly below, [30, 40) is not
    [InlineData(10L, 10L)]
    [InlineData(9L, null)]
    [InlineData(0L, null)]
    public void Only_batches_wholly_below_the_high_watermark_go(long highWatermark, long? expected) =>
        Assert.Equal(expected, NewStart(FiveBatches(), highWatermark: highWatermark, retentionBytes: 0));

    [Fact]
    public void The_first_batch_that_stays_keeps_every_later_one()
    {
        // The second batch is newer than the third (a leader with a clock ahead, then a failover): it stops time retention.
        var index = FiveBatches();
        index[1] = index[1] with { AppendTimeMs = 5900 };
        Assert.Equal(10, NewStart(index, nowMs: 6000, retentionMs: 1000));
    }

    [Fact]
    public void A_batch_of_unknown_append_time_counts_as_expired()
    {
        var index = FiveBatches();
        index[0] = index[0] with { AppendTimeMs = 0 }; // written before batches carried their time
        Assert.Equal(10, NewStart(index, nowMs: 6000, retentionMs: 5500));
    }

    [Theory]
    [InlineData(250L, 20L)]  // the first two of four due: 200 bytes within 250
    [InlineData(199L, 10L)]
    [InlineData(1L, 10L)]    // one batch always goes when it is due
    public void One_pass_drops_at_most_max_bytes(long maxBytesDropped, long expected) =>
        Assert.Equal(expected, RetentionPolicy.NewStart(FiveBatches(), 500, 50, 6000, Off, 0, maxBytesDropped));

    [Fact]
    public void A_log_of_one_batch_keeps_it() =>
        Assert.Null(NewStart(FiveBatches()[..1], highWatermark: 10, nowMs: long.MaxValue, retentionMs: 0, retentionBytes: 0));

    private static RecordBatch Batch(long baseOffset, int count, int epoch = 0) =>
        new(baseOffset, epoch, -1, -1, Enumerable.Range(0, count).Select(i => new Record(null, new[] { (byte)(baseOffset + i) }, 1, Record.NoHeaders)).ToArray());

    /// <summary>Batches [0,3) epoch 0, [3,8) epoch 1, [8,10) epoch 2, [10,12) epoch 2, events 1..4.</summary>
    private static PartitionLog FourBatches(long cacheMaxBytes = long.MaxValue)
    {
        var log = new PartitionLog(cacheMaxBytes);
        log.Append(Batch(0, 3, 0), 1);
        log.Append(Batch(3, 5, 1), 2);
        log.Append(Batch(8, 2, 2), 3);
        log.Append(Batch(10, 2, 2), 4);
        return log;
    }

    [Fact]
    public void AdvanceStart_drops_whole_batches_below_the_offset_and_names_the_last_event_dropped()
    {
        var log = FourBatches();
        var size = log.SizeInBytes;
        var dropped = log.Index[0].SizeInBytes + log.Index[1].SizeInBytes;
        Assert.Equal(2, log.AdvanceStart(8));
        Assert.Equal((8L, 12L, 2, size - dropped), (log.LogStartOffset, log.LogEndOffset, log.BatchCount, log.SizeInBytes));
        Assert.Equal(new[] { (2, 8L) }, log.Epochs.Entries);
        Assert.Equal(new long[] { 8, 9, 10, 11 }, log.ReadInMemory(8, 12, int.MaxValue).SelectMany(b => Enumerable.Range(0, b.Count).Select(i => b.BaseOffset + i)));
        Assert.Equal(-1, log.AdvanceStart(8)); // again: nothing more
    }

    [Fact]
    public void AdvanceStart_inside_a_batch_keeps_that_batch_whole()
    {
        var log = FourBatches();
        Assert.Equal(1, log.AdvanceStart(5));
        Assert.Equal((3L, 3), (log.LogStartOffset, log.BatchCount));
        // The epoch in force at the new start now starts there, as Kafka truncates its epoch cache from the start.
        Assert.Equal(new[] { (1, 3L), (2, 8L) }, log.Epochs.Entries);
    }

    [Fact]
    public void AdvanceStart_drops_the_cached_batches_it_drops()
    {
        var log = FourBatches(cacheMaxBytes: 1); // only the newest batch is cached
        Assert.Equal(1, log.CachedBatchCount);
        log.AdvanceStart(10);
        Assert.Equal((1, 1), (log.BatchCount, log.CachedBatchCount));
        var everything = FourBatches();
        everything.AdvanceStart(10);
        Assert.Equal((1, 1, everything.SizeInBytes), (everything.BatchCount, everything.CachedBatchCount, everything.CachedBytes));
        Assert.Equal(10, everything.CacheStartOffset);
    }

    [Fact]
    public void AdvanceStart_past_the_end_empties_the_log_and_it_continues_there()
    {
        var log = FourBatches();
        Assert.Equal(4, log.AdvanceStart(50));
        Assert.Equal((50L, 50L, 0, 0L, 0), (log.LogStartOffset, log.LogEndOffset, log.BatchCount, log.SizeInBytes, log.CachedBatchCount));
        Assert.Empty(log.Epochs.Entries);
        log.Append(Batch(50, 4, 3), 6);
        Assert.Equal((50L, 54L), (log.LogStartOffset, log.LogEndOffset));
        Assert.Equal(new[] { (3, 50L) }, log.Epochs.Entries);
    }

    [Fact]
    public void A_log_whose_start_moved_round_trips_through_a_snapshot()
    {
        var log = FourBatches();
        log.AdvanceStart(8);
        var restored = new PartitionLog();
        restored.Restore(log.ToSnapshot());
        Assert.Equal((8L, 12L, log.SizeInBytes), (restored.LogStartOffset, restored.LogEndOffset, restored.SizeInBytes));
        Assert.Equal(log.Index, restored.Index);
        Assert.Equal(log.Epochs.Entries, restored.Epochs.Entries);

        var emptied = FourBatches();
        emptied.AdvanceStart(20);
        var restoredEmpty = new PartitionLog();
        restoredEmpty.Restore(emptied.ToSnapshot());
        Assert.Equal((20L, 20L, 0), (restoredEmpty.LogStartOffset, restoredEmpty.LogEndOffset, restoredEmpty.BatchCount));
    }

    [Fact]
    public void The_epoch_cache_forgets_epochs_that_ended_before_the_start()
    {
        var cache = new LeaderEpochCache();
        cache.Assign(0, 0);
        cache.Assign(2, 5);
        cache.Assign(3, 9);
        cache.TruncateBefore(5);
        Assert.Equal(new[] { (2, 5L), (3, 9L) }, cache.Entries);
        cache.TruncateBefore(7);
        Assert.Equal(new[] { (2, 7L), (3, 9L) }, cache.Entries);
        cache.TruncateBefore(12);
        Assert.Equal(new[] { (3, 12L) }, cache.Entries);
        Assert.Equal((3, 20L), cache.EndOffsetFor(5, 20));
        Assert.Equal((-1, -1L), cache.EndOffsetFor(2, 20));
    }
}
