using ActorLog.Cli.Chaos;
using Xunit;

namespace ActorLog.Tests.Unit.Chaos;

/// <summary>The chaos checker on synthetic histories: a clean one, then one kind of violation each.</summary>
public class HistoryCheckerTests
{
    /// <summary>
    /// Builds a history: each partition's numbers in offset order are what was sent, acknowledged and read,
    /// unless a test changes one of the lists afterwards.
    /// </summary>
    private sealed class Builder
    {
        public readonly List<SentRecord> Sent = new();
        public readonly List<AckedRecord> Acked = new();
        public readonly List<FailedRecord> Failed = new();
        public readonly List<ReadRecord> Read = new();
        public readonly Dictionary<int, long> HighWatermarks = new();
        public readonly HashSet<int> Unreadable = new();

        public Builder Partition(int partition, params long[] numbers)
        {
            for (var offset = 0; offset < numbers.Length; offset++)
            {
                Sent.Add(new SentRecord(numbers[offset], partition));
                Acked.Add(new AckedRecord(numbers[offset], partition, offset, TimeSpan.FromMilliseconds(numbers[offset])));
                Read.Add(new ReadRecord(partition, offset, numbers[offset]));
            }
            HighWatermarks[partition] = numbers.Length;
            return this;
        }

        public CheckResult Check() => HistoryChecker.Check(new ChaosHistory(Sent, Acked, Failed, Read, HighWatermarks, Unreadable));
    }

    private static Builder Clean() => new Builder().Partition(0, 0, 3, 6, 9).Partition(1, 1, 4, 7).Partition(2, 2, 5, 8);

    [Fact]
    public void A_clean_history_has_no_violations()
    {
        var r = Clean().Check();
        Assert.True(r.Valid);
        Assert.Equal((0L, 0L, 0L, 0L, 0L, 0L), (r.AckedMissing, r.Duplicated, r.OutOfOrder, r.OffsetGaps, r.Foreign, r.AckedAtOtherOffset));
        Assert.Equal((10L, 10L, 0L, 0L, 10L, 0L, 0L), (r.Sent, r.Acked, r.Failed, r.Indeterminate, r.RecordsRead, r.UnackedPresent, r.Unverified));
        Assert.Empty(r.Examples);
    }

    [Fact]
    public void Failed_and_indeterminate_records_may_be_present_or_absent()
    {
        var b = Clean();
        // 10 failed but was written (a timeout after the write); 11 failed and is absent; 12 and 13 never answered, 12 present.
        b.Sent.AddRange([new SentRecord(10, 0), new SentRecord(11, 1), new SentRecord(12, 2), new SentRecord(13, 2)]);
        b.Failed.AddRange([new FailedRecord(10, 0, "RequestTimedOut", TimeSpan.FromSeconds(1)), new FailedRecord(11, 1, "RequestTimedOut", TimeSpan.FromSeconds(2))]);
        b.Read.AddRange([new ReadRecord(0, 4, 10), new ReadRecord(2, 3, 12)]);
        b.HighWatermarks[0] = 5;
        b.HighWatermarks[2] = 4;
        var r = b.Check();
        Assert.True(r.Valid, string.Join("\n", r.Examples));
        Assert.Equal(2, r.Failed);
        Assert.Equal(2, r.FailedByError["RequestTimedOut"]);
        Assert.Equal(2, r.Indeterminate);
        Assert.Equal(2, r.UnackedPresent);
    }

    [Fact]
    public void An_acknowledged_record_that_is_not_read_is_missing()
    {
        var b = Clean();
        // Partition 0 lost its tail: offset 3 (number 9) is gone and the high watermark says 3.
        b.Read.RemoveAll(x => x is { Partition: 0, Offset: 3 });
        b.HighWatermarks[0] = 3;
        var r = b.Check();
        Assert.False(r.Valid);
        Assert.Equal(1, r.AckedMissing);
        Assert.Equal(0, r.OffsetGaps);
        Assert.Contains(r.Examples, e => e.Contains("number 9"));
    }

    [Fact]
    public void An_acknowledged_record_found_in_another_partition_is_missing_and_foreign()
    {
        var b = Clean();
        b.Read[b.Read.FindIndex(x => x is { Partition: 1, Offset: 2 })] = new ReadRecord(1, 2, 8); // 8 belongs to partition 2
        b.Read.RemoveAll(x => x is { Partition: 2, Offset: 2 });
        b.HighWatermarks[2] = 2;
        var r = b.Check();
        Assert.Equal(2, r.AckedMissing); // 7 (overwritten) and 8 (not in its own partition)
        Assert.Equal(1, r.Foreign);
    }

    [Fact]
    public void An_acknowledged_record_read_at_another_offset_is_reported_but_valid()
    {
        var b = Clean();
        var i = b.Acked.FindIndex(a => a.Number == 4);
        b.Acked[i] = b.Acked[i] with { Offset = 7 };
        var r = b.Check();
        Assert.True(r.Valid);
        Assert.Equal(1, r.AckedAtOtherOffset);
    }

    [Fact]
    public void A_number_read_twice_is_duplicated_not_also_out_of_order()
    {
        var b = Clean();
        b.Read.Add(new ReadRecord(0, 4, 3)); // a retried batch written again at the end
        b.HighWatermarks[0] = 5;
        var r = b.Check();
        Assert.False(r.Valid);
        Assert.Equal(1, r.Duplicated);
        Assert.Equal(0, r.OutOfOrder);
        Assert.Equal(0, r.AckedMissing);
    }

    [Fact]
    public void A_lower_number_after_a_higher_one_in_a_partition_is_out_of_order()
    {
        var b = Clean();
        // Partition 1 holds 1, 7, 4: two batches swapped.
        b.Read[b.Read.FindIndex(x => x is { Partition: 1, Offset: 1 })] = new ReadRecord(1, 1, 7);
        b.Read[b.Read.FindIndex(x => x is { Partition: 1, Offset: 2 })] = new ReadRecord(1, 2, 4);
        var r = b.Check();
        Assert.False(r.Valid);
        Assert.Equal(1, r.OutOfOrder);
        Assert.Equal(0, r.Duplicated);
        Assert.Equal(2, r.AckedAtOtherOffset);
        Assert.Contains(r.Examples, e => e.Contains("out of order") && e.Contains("number 4 after number 7"));
    }

    [Fact]
    public void Offsets_that_skip_or_repeat_or_stop_short_of_the_high_watermark_are_gaps()
    {
        var skip = Clean();
        skip.Read.RemoveAll(x => x is { Partition: 0, Offset: 1 });
        skip.Sent.RemoveAll(x => x.Number == 3);
        skip.Acked.RemoveAll(x => x.Number == 3);
        Assert.Equal(1, skip.Check().OffsetGaps);

        var fromOne = Clean();
        fromOne.Read.RemoveAll(x => x is { Partition: 2, Offset: 0 });
        fromOne.Acked.RemoveAll(x => x.Number == 2);
        var r = fromOne.Check();
        Assert.Equal(1, r.OffsetGaps);
        Assert.Equal(0, r.AckedMissing);

        var repeat = Clean();
        repeat.Read.Add(new ReadRecord(1, 2, 7));
        Assert.True(repeat.Check().OffsetGaps >= 1);

        var shortOfHw = Clean();
        shortOfHw.HighWatermarks[1] = 5;
        Assert.Equal(1, shortOfHw.Check().OffsetGaps);

        var nothingRead = Clean();
        nothingRead.HighWatermarks[3] = 2;
        Assert.Equal(1, nothingRead.Check().OffsetGaps);
        Assert.False(nothingRead.Check().Valid);
    }

    [Fact]
    public void Values_that_were_never_sent_or_are_not_numbers_are_foreign()
    {
        var b = Clean();
        b.Read.Add(new ReadRecord(0, 4, 999));
        b.Read.Add(new ReadRecord(0, 5, null));
        b.HighWatermarks[0] = 6;
        var r = b.Check();
        Assert.False(r.Valid);
        Assert.Equal(2, r.Foreign);
    }

    [Fact]
    public void Acknowledged_records_beyond_what_an_unreadable_partition_gave_are_unverified_not_missing()
    {
        var b = Clean();
        // Partition 0 answered offsets 0 and 1, then no more; 6 and 9 (offsets 2, 3) cannot be checked.
        b.Read.RemoveAll(x => x is { Partition: 0, Offset: >= 2 });
        b.HighWatermarks.Remove(0);
        b.Unreadable.Add(0);
        var r = b.Check();
        Assert.True(r.Valid, string.Join("\n", r.Examples));
        Assert.Equal(2, r.Unverified);
        Assert.Equal(0, r.AckedMissing);

        // A record acknowledged at an offset the reader did get past is missing all the same.
        b.Read.RemoveAll(x => x is { Partition: 0, Offset: 0 });
        b.Read.Add(new ReadRecord(0, 0, 100));
        b.Sent.Add(new SentRecord(100, 0));
        var r2 = b.Check();
        Assert.Equal(1, r2.AckedMissing);
        Assert.Equal(2, r2.Unverified);
    }
}
