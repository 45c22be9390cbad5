using Record = ActorLog.Log.Record;
using ActorLog.Log;
using Xunit;

namespace ActorLog.Tests.Unit;

public class PartitionLogTests
{
    private static Record Rec(int valueBytes = 10, byte tag = 0) =>
        new(null, Enumerable.Repeat(tag, valueBytes).ToArray(), 1_700_000_000_000, Record.NoHeaders);

    private static RecordBatch Batch(long baseOffset, int count, int epoch = 0, int valueBytes = 10) =>
        new(baseOffset, epoch, -1, -1, Enumerable.Range(0, count).Select(i => Rec(valueBytes, (byte)(baseOffset + i))).ToArray());

    /// <summary>A log of batches [0,3) epoch 0, [3,8) epoch 1, [8,10) epoch 2.</summary>
    private static PartitionLog ThreeBatches()
    {
        var log = new PartitionLog();
        log.Append(Batch(0, 3, epoch: 0));
        log.Append(Batch(3, 5, epoch: 1));
        log.Append(Batch(8, 2, epoch: 2));
        return log;
    }

    [Fact]
    public void Empty_log_starts_at_zero()
    {
        var log = new PartitionLog();
        Assert.Equal(0, log.LogEndOffset);
        Assert.Equal(0, log.LogStartOffset);
        Assert.Equal(0, log.BatchCount);
        Assert.Equal(0, log.SizeInBytes);
        Assert.Empty(log.ReadInMemory(0, long.MaxValue, int.MaxValue));
        Assert.Equal(-1, log.Epochs.LatestEpoch);
    }

    [Fact]
    public void Append_advances_log_end_offset_and_size()
    {
        var log = new PartitionLog();
        var a = Batch(0, 3);
        var b = Batch(3, 4);
        log.Append(a);
        Assert.Equal(3, log.LogEndOffset);
        log.Append(b);
        Assert.Equal(7, log.LogEndOffset);
        Assert.Equal(2, log.BatchCount);
        Assert.Equal(0, log.LogStartOffset);
        Assert.Equal(a.SizeInBytes + b.SizeInBytes, log.SizeInBytes);
    }

    [Theory]
    [InlineData(2L)]
    [InlineData(4L)]
    [InlineData(0L)]
    [InlineData(-1L)]
    public void Append_rejects_a_batch_that_does_not_start_at_log_end(long baseOffset)
    {
        var log = new PartitionLog();
        log.Append(Batch(0, 3));
        var size = log.SizeInBytes;
        Assert.Throws<InvalidOperationException>(() => log.Append(Batch(baseOffset, 2)));
        Assert.Equal(3, log.LogEndOffset);
        Assert.Equal(1, log.BatchCount);
        Assert.Equal(size, log.SizeInBytes);
    }

    [Fact]
    public void Append_rejects_an_empty_batch_without_changing_the_log()
    {
        var log = new PartitionLog();
        log.Append(Batch(0, 2, epoch: 0));
        Assert.Throws<ArgumentException>(() => log.Append(new RecordBatch(2, 7, -1, -1, Array.Empty<Record>())));
        Assert.Equal(2, log.LogEndOffset);
        Assert.Equal(1, log.BatchCount);
        Assert.Equal(0, log.Epochs.LatestEpoch); // the rejected batch's epoch was not recorded
    }

    [Fact]
    public void Append_records_where_each_new_epoch_starts()
    {
        var log = new PartitionLog();
        log.Append(Batch(0, 2, epoch: 0));
        log.Append(Batch(2, 2, epoch: 0));
        log.Append(Batch(4, 1, epoch: 1));
        log.Append(Batch(5, 3, epoch: 3));
        log.Append(Batch(8, 1, epoch: 3));
        Assert.Equal(new[] { (0, 0L), (1, 4L), (3, 5L) }, log.Epochs.Entries);
        Assert.Equal(3, log.Epochs.LatestEpoch);
    }

    [Fact]
    public void Offsets_are_gap_free_across_many_appends()
    {
        var log = new PartitionLog();
        var rnd = new Random(7);
        for (var i = 0; i < 50; i++) log.Append(Batch(log.LogEndOffset, rnd.Next(1, 9)));
        var batches = log.ReadInMemory(0, log.LogEndOffset, int.MaxValue);
        Assert.Equal(50, batches.Count);
        var expected = 0L;
        foreach (var b in batches)
        {
            Assert.Equal(expected, b.BaseOffset);
            expected = b.NextOffset;
        }
        Assert.Equal(log.LogEndOffset, expected);
        Assert.Equal(batches.Sum(b => (long)b.SizeInBytes), log.SizeInBytes);
    }

    [Fact]
    public void Read_returns_the_batch_holding_the_offset_even_when_it_starts_below()
    {
        var log = ThreeBatches();
        var result = log.ReadInMemory(5, log.LogEndOffset, 1);
        var batch = Assert.Single(result);
        Assert.Equal(3, batch.BaseOffset);
        Assert.Equal(5, batch.Count);
    }

    [Fact]
    public void Read_at_or_past_the_end_or_at_max_offset_is_empty()
    {
        var log = ThreeBatches();
        Assert.Empty(log.ReadInMemory(10, long.MaxValue, int.MaxValue));
        Assert.Empty(log.ReadInMemory(11, long.MaxValue, int.MaxValue));
        Assert.Empty(log.ReadInMemory(4, 4, int.MaxValue));
        Assert.Empty(log.ReadInMemory(6, 4, int.MaxValue));
    }

    [Fact]
    public void Read_below_the_log_start_returns_the_first_batch()
    {
        var log = ThreeBatches();
        Assert.Equal(0, Assert.Single(log.ReadInMemory(-5, 10, 1)).BaseOffset);
    }

    [Fact]
    public void Read_returns_at_least_one_batch_even_above_max_bytes()
    {
        var log = ThreeBatches();
        var batch = Assert.Single(log.ReadInMemory(0, log.LogEndOffset, 0));
        Assert.Equal(0, batch.BaseOffset);
        Assert.Equal(3, batch.Count);
    }

    [Fact]
    public void Read_stops_before_the_batch_that_would_exceed_max_bytes()
    {
        var log = new PartitionLog();
        for (var i = 0; i < 5; i++) log.Append(Batch(log.LogEndOffset, 2, valueBytes: 100));
        var one = Batch(0, 2, valueBytes: 100).SizeInBytes;
        Assert.Equal(2, log.ReadInMemory(0, 10, 2 * one).Count);
        Assert.Equal(2, log.ReadInMemory(0, 10, 3 * one - 1).Count);
        Assert.Equal(3, log.ReadInMemory(0, 10, 3 * one).Count);
        Assert.Equal(5, log.ReadInMemory(0, 10, int.MaxValue).Count);
        Assert.Equal(new long[] { 4, 6 }, log.ReadInMemory(5, 10, 2 * one).Select(b => b.BaseOffset));
    }

    [Fact]
    public void Read_trims_the_last_batch_at_max_offset()
    {
        var log = ThreeBatches();
        var result = log.ReadInMemory(0, 5, int.MaxValue);
        Assert.Equal(2, result.Count);
        Assert.Equal(3, result[0].Count);
        Assert.Equal(3, result[1].BaseOffset);
        Assert.Equal(2, result[1].Count);
        Assert.Equal(5, result[1].NextOffset);
        Assert.Equal(new byte[] { 4 }, result[1].Records[1].Value!.Take(1));
        // The stored batch is untouched by the trimmed copy.
        Assert.Equal(5, log.ReadInMemory(3, 10, 1)[0].Count);
    }

    [Fact]
    public void Read_trims_a_single_batch_cut_by_max_offset()
    {
        var log = ThreeBatches();
        var batch = Assert.Single(log.ReadInMemory(4, 6, int.MaxValue));
        Assert.Equal(3, batch.BaseOffset);
        Assert.Equal(3, batch.Count); // offsets 3, 4, 5
    }

    [Fact]
    public void Read_counts_the_trimmed_size_against_max_bytes()
    {
        var log = new PartitionLog();
        log.Append(Batch(0, 1, valueBytes: 100));
        log.Append(Batch(1, 10, valueBytes: 100));
        var first = Batch(0, 1, valueBytes: 100).SizeInBytes;
        var trimmed = Batch(1, 1, valueBytes: 100).SizeInBytes;
        var result = log.ReadInMemory(0, 2, first + trimmed);
        Assert.Equal(2, result.Count);
        Assert.Equal(1, result[1].Count);
    }

    [Fact]
    public void Binary_search_finds_the_batch_holding_every_offset()
    {
        var rnd = new Random(20240611);
        for (var round = 0; round < 5; round++)
        {
            var log = new PartitionLog();
            var batchCount = rnd.Next(1, 300);
            for (var i = 0; i < batchCount; i++) log.Append(Batch(log.LogEndOffset, rnd.Next(1, 20), valueBytes: 1));
            for (var o = 0L; o < log.LogEndOffset; o++)
            {
                var batch = Assert.Single(log.ReadInMemory(o, log.LogEndOffset, 1));
                Assert.True(batch.BaseOffset <= o && o < batch.NextOffset,
                    $"offset {o}: got batch [{batch.BaseOffset}, {batch.NextOffset}) in round {round}");
            }
        }
    }

    [Fact]
    public void TruncateTo_in_the_middle_of_a_batch_keeps_its_head()
    {
        var log = ThreeBatches();
        log.TruncateTo(5);
        Assert.Equal(5, log.LogEndOffset);
        Assert.Equal(2, log.BatchCount);
        var batches = log.ReadInMemory(0, long.MaxValue, int.MaxValue);
        Assert.Equal(2, batches[1].Count);
        Assert.Equal(batches.Sum(b => (long)b.SizeInBytes), log.SizeInBytes);
        Assert.Equal(new[] { (0, 0L), (1, 3L) }, log.Epochs.Entries);
    }

    [Fact]
    public void TruncateTo_at_a_batch_boundary_drops_whole_batches_and_their_epochs()
    {
        var log = ThreeBatches();
        var firstSize = log.ReadInMemory(0, 3, int.MaxValue)[0].SizeInBytes;
        log.TruncateTo(3);
        Assert.Equal(3, log.LogEndOffset);
        Assert.Equal(1, log.BatchCount);
        Assert.Equal(firstSize, log.SizeInBytes);
        Assert.Equal(new[] { (0, 0L) }, log.Epochs.Entries);
        Assert.Equal((0, 3L), log.Epochs.EndOffsetFor(5, log.LogEndOffset));
    }

    [Theory]
    [InlineData(10L)]
    [InlineData(11L)]
    public void TruncateTo_at_or_past_the_end_changes_nothing(long offset)
    {
        var log = ThreeBatches();
        var size = log.SizeInBytes;
        log.TruncateTo(offset);
        Assert.Equal(10, log.LogEndOffset);
        Assert.Equal(3, log.BatchCount);
        Assert.Equal(size, log.SizeInBytes);
        Assert.Equal(3, log.Epochs.Entries.Count);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-3L)]
    public void TruncateTo_zero_or_below_empties_the_log(long offset)
    {
        var log = ThreeBatches();
        log.TruncateTo(offset);
        Assert.Equal(0, log.LogEndOffset);
        Assert.Equal(0, log.BatchCount);
        Assert.Equal(0, log.SizeInBytes);
        Assert.Empty(log.Epochs.Entries);
        Assert.Empty(log.ReadInMemory(0, long.MaxValue, int.MaxValue));
    }

    [Fact]
    public void After_truncation_appends_continue_at_the_new_end()
    {
        var log = ThreeBatches();
        log.TruncateTo(6);
        Assert.Throws<InvalidOperationException>(() => log.Append(Batch(10, 1, epoch: 4)));
        log.Append(Batch(6, 2, epoch: 4));
        Assert.Equal(8, log.LogEndOffset);
        Assert.Equal(new[] { (0, 0L), (1, 3L), (4, 6L) }, log.Epochs.Entries);
        Assert.Equal(new long[] { 0, 3, 6 }, log.ReadInMemory(0, long.MaxValue, int.MaxValue).Select(b => b.BaseOffset));
    }

    [Fact]
    public void Record_size_counts_key_value_and_headers()
    {
        var r = new Record(new byte[3], new byte[5], 0, new[] { new RecordHeader("ab", new byte[7]), new RecordHeader("c", null) });
        Assert.Equal(8 + 4 + 3 + 4 + 5 + 4 + (4 + 2 + 4 + 7) + (4 + 1 + 4 + 0), r.SizeInBytes);
        var batch = new RecordBatch(0, 0, -1, -1, new[] { r, r });
        Assert.Equal(40 + 2 * r.SizeInBytes, batch.SizeInBytes);
        Assert.Equal(2, batch.NextOffset);
        Assert.Equal(1, batch.LastOffset);
    }
}
