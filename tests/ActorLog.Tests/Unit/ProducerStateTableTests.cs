using ActorLog.Log;
using Xunit;
using Record = ActorLog.Log.Record;
using Verdict = ActorLog.Log.ProducerStateTable.Verdict;

namespace ActorLog.Tests.Unit;

public class ProducerStateTableTests
{
    private static RecordBatch Batch(long baseOffset, long producerId, int baseSequence, int count) =>
        new(baseOffset, 0, producerId, baseSequence,
            Enumerable.Range(0, count).Select(i => new Record(null, new[] { (byte)i }, 0, Record.NoHeaders)).ToArray());

    [Fact]
    public void Non_idempotent_batches_are_always_appended()
    {
        var t = new ProducerStateTable();
        Assert.Equal(Verdict.Append, t.Validate(-1, -1, 10).Verdict);
        t.Record(Batch(0, -1, -1, 10));
        Assert.Equal(0, t.Count);
    }

    [Fact]
    public void A_new_producer_must_start_at_sequence_zero()
    {
        var t = new ProducerStateTable();
        Assert.Equal(Verdict.Append, t.Validate(7, 0, 3).Verdict);
        var late = t.Validate(7, 3, 3);
        Assert.Equal(Verdict.UnknownProducer, late.Verdict);
        Assert.Equal(0, late.ExpectedSequence);
    }

    [Fact]
    public void Next_batch_is_appended_a_retry_is_a_duplicate_with_its_offsets_and_a_gap_is_out_of_order()
    {
        var t = new ProducerStateTable();
        t.Record(Batch(100, 7, 0, 3));
        t.Record(Batch(103, 7, 3, 2));
        Assert.Equal(Verdict.Append, t.Validate(7, 5, 4).Verdict);

        var retry = t.Validate(7, 3, 2);
        Assert.Equal(Verdict.Duplicate, retry.Verdict);
        Assert.Equal(103, retry.BaseOffset);
        Assert.Equal(105, retry.NextOffset);

        var gap = t.Validate(7, 9, 1);
        Assert.Equal(Verdict.OutOfOrder, gap.Verdict);
        Assert.Equal(5, gap.ExpectedSequence);

        // The same sequence with another length is not our batch: refuse rather than guess.
        Assert.Equal(Verdict.OutOfOrder, t.Validate(7, 3, 1).Verdict);
    }

    [Fact]
    public void Only_the_last_five_batches_are_remembered()
    {
        var t = new ProducerStateTable();
        for (var i = 0; i < 8; i++) t.Record(Batch(i, 1, i, 1));
        Assert.Equal(Verdict.OutOfOrder, t.Validate(1, 2, 1).Verdict);
        Assert.Equal(Verdict.Duplicate, t.Validate(1, 3, 1).Verdict);
        Assert.Equal(Verdict.Append, t.Validate(1, 8, 1).Verdict);
    }

    [Fact]
    public void Rebuild_after_truncation_forgets_dropped_batches()
    {
        var log = new PartitionLog();
        var t = new ProducerStateTable();
        foreach (var b in new[] { Batch(0, 7, 0, 2), Batch(2, 7, 2, 2), Batch(4, 8, 0, 1) })
        {
            log.Append(b);
            t.Record(b);
        }
        log.TruncateTo(2);
        t.Rebuild(log);
        Assert.Equal(Verdict.Append, t.Validate(7, 2, 2).Verdict); // the dropped batch is welcome again
        Assert.Equal(Verdict.Append, t.Validate(8, 0, 1).Verdict); // producer 8 is unknown again
        Assert.Equal(1, t.Count);
    }

    [Fact]
    public void Producers_are_independent()
    {
        var t = new ProducerStateTable();
        t.Record(Batch(0, 1, 0, 5));
        Assert.Equal(Verdict.Append, t.Validate(2, 0, 1).Verdict);
        Assert.Equal(Verdict.Append, t.Validate(1, 5, 1).Verdict);
    }
}
