using ActorLog.Log;
using Xunit;
using Record = ActorLog.Log.Record;

namespace ActorLog.Tests.Unit;

/// <summary>
/// The log's memory model: an index entry for every batch, the batches themselves only for the tail within the
/// cache budget, and reads of older offsets answered with the journal events to read. A list of events stands in
/// for the journal (sequence numbers from 1, as Akka.Persistence numbers them).
/// </summary>
public class PartitionLogCacheTests
{
    private static RecordBatch Batch(long baseOffset, int count, int epoch = 0, int valueBytes = 10, long producerId = -1, int baseSequence = -1) =>
        new(baseOffset, epoch, producerId, baseSequence,
            Enumerable.Range(0, count).Select(i => new Record(null, Enumerable.Repeat((byte)(baseOffset + i), valueBytes).ToArray(), 0, Record.NoHeaders)).ToArray());

    /// <summary>A journal and the log built from it, as the replica actor builds it.</summary>
    private sealed class Replica(long cacheMaxBytes)
    {
        public List<(long SequenceNr, object Event)> Journal { get; } = new();
        public PartitionLog Log { get; } = new(cacheMaxBytes);

        public long Append(int count, int epoch = 0, int valueBytes = 10)
        {
            var batch = Batch(Log.LogEndOffset, count, epoch, valueBytes);
            Journal.Add((Journal.Count + 1, batch));
            Log.Append(batch, Journal.Count);
            return Journal.Count;
        }

        public void Truncate(long offset)
        {
            Journal.Add((Journal.Count + 1, new LogTruncated(offset, 0)));
            Log.TruncateTo(offset);
        }

        /// <summary>Read as the leader does: from memory, or the named events read back from the journal.</summary>
        public IReadOnlyList<RecordBatch> Read(long offset, long maxOffset, int maxBytes) =>
            Log.Read(offset, maxOffset, maxBytes) switch
            {
                LogRead.InMemory m => m.Batches,
                LogRead.FromJournal j => j.Select(Journal.Where(e => e.SequenceNr >= j.FromSequenceNr && e.SequenceNr <= j.ToSequenceNr)),
                _ => throw new InvalidOperationException(),
            };

        /// <summary>
        /// A restart as the replica actor does it: the snapshot's index (if any), then the journal events after
        /// the event it was taken at (Akka.Persistence replays exactly those).
        /// </summary>
        public Replica Recover(long cacheMaxBytes, LogIndexSnapshot? snapshot, long snapshotSequenceNr)
        {
            var restarted = new Replica(cacheMaxBytes);
            restarted.Journal.AddRange(Journal);
            if (snapshot is not null) restarted.Log.Restore(snapshot);
            foreach (var (sequenceNr, e) in Journal.Where(e => e.SequenceNr > snapshotSequenceNr))
            {
                if (e is RecordBatch b) restarted.Log.Append(b, sequenceNr);
                else restarted.Log.TruncateTo(((LogTruncated)e).Offset);
            }
            return restarted;
        }

        /// <summary>Every record's (offset, first value byte), reading from 0 to the end as a consumer would.</summary>
        public List<(long Offset, byte Value)> ReadAll(int maxBytes)
        {
            var records = new List<(long, byte)>();
            var offset = 0L;
            while (offset < Log.LogEndOffset)
            {
                var batches = Read(offset, Log.LogEndOffset, maxBytes);
                Assert.NotEmpty(batches);
                foreach (var b in batches)
                    for (var i = 0; i < b.Count; i++)
                        if (b.BaseOffset + i >= offset) records.Add((b.BaseOffset + i, b.Records[i].Value![0]));
                offset = batches[^1].NextOffset;
            }
            return records;
        }
    }

    private static readonly int TenRecordBatch = Batch(0, 10).SizeInBytes;

    [Fact]
    public void Appending_beyond_the_budget_keeps_every_batch_in_the_index_and_only_the_tail_in_memory()
    {
        var replica = new Replica(cacheMaxBytes: 3 * TenRecordBatch);
        for (var i = 0; i < 50; i++) replica.Append(10);

        var log = replica.Log;
        Assert.Equal(500, log.LogEndOffset);
        Assert.Equal(50, log.BatchCount);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => i * 10L), log.Index.Select(e => e.BaseOffset));
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), log.Index.Select(e => e.SequenceNr));
        Assert.All(log.Index, e => Assert.Equal(TenRecordBatch, e.SizeInBytes));
        Assert.Equal(50L * TenRecordBatch, log.SizeInBytes);

        Assert.Equal(3, log.CachedBatchCount);
        Assert.Equal(3L * TenRecordBatch, log.CachedBytes);
        Assert.Equal(470, log.CacheStartOffset);
    }

    [Fact]
    public void The_newest_batch_stays_cached_even_when_it_alone_exceeds_the_budget()
    {
        var replica = new Replica(cacheMaxBytes: 0);
        replica.Append(10);
        replica.Append(3);
        Assert.Equal(1, replica.Log.CachedBatchCount);
        Assert.Equal(10, replica.Log.CacheStartOffset);
        Assert.Single(Assert.IsType<LogRead.InMemory>(replica.Log.Read(10, 13, 1)).Batches);
    }

    [Fact]
    public void A_read_in_the_cache_is_answered_from_memory()
    {
        var replica = new Replica(cacheMaxBytes: 3 * TenRecordBatch);
        for (var i = 0; i < 10; i++) replica.Append(10);
        var read = Assert.IsType<LogRead.InMemory>(replica.Log.Read(75, 100, int.MaxValue));
        Assert.Equal(new long[] { 70, 80, 90 }, read.Batches.Select(b => b.BaseOffset));
    }

    [Fact]
    public void A_read_below_the_cache_names_the_journal_events_up_to_max_bytes_and_the_cache_start()
    {
        var replica = new Replica(cacheMaxBytes: 3 * TenRecordBatch);
        for (var i = 0; i < 10; i++) replica.Append(10); // events 1..10 hold offsets 0..99; 70.. are cached

        var read = Assert.IsType<LogRead.FromJournal>(replica.Log.Read(25, 100, 3 * TenRecordBatch));
        Assert.Equal((3L, 5L), (read.FromSequenceNr, read.ToSequenceNr));
        Assert.Equal(new long[] { 20, 30, 40 }, read.Entries.Select(e => e.BaseOffset));

        // At least one batch even above max bytes; never into the cache (the next read finds that in memory).
        Assert.Single(Assert.IsType<LogRead.FromJournal>(replica.Log.Read(0, 100, 0)).Entries);
        var toCache = Assert.IsType<LogRead.FromJournal>(replica.Log.Read(45, 100, int.MaxValue));
        Assert.Equal((5L, 7L), (toCache.FromSequenceNr, toCache.ToSequenceNr));

        // Cut at the max offset (a consumer's high watermark) like a cached batch would be.
        var cut = Assert.IsType<LogRead.FromJournal>(replica.Log.Read(0, 15, int.MaxValue));
        Assert.Equal(new[] { (0L, 10), (10L, 5) }, cut.Entries.Select(e => (e.BaseOffset, e.Count)));
        var batches = replica.Read(0, 15, int.MaxValue);
        Assert.Equal(15, batches[^1].NextOffset);
        Assert.Equal(Enumerable.Range(0, 100).Select(o => ((long)o, (byte)o)), replica.ReadAll(2 * TenRecordBatch));
    }

    [Fact]
    public void Selecting_from_the_journal_needs_every_named_event()
    {
        var replica = new Replica(cacheMaxBytes: 0);
        for (var i = 0; i < 5; i++) replica.Append(10);
        var read = Assert.IsType<LogRead.FromJournal>(replica.Log.Read(0, 50, int.MaxValue));
        Assert.Throws<InvalidDataException>(() => read.Select(replica.Journal.Skip(1)));
        var wrong = replica.Journal.Select(e => e.SequenceNr == 2 ? (2L, (object)Batch(99, 1)) : e);
        Assert.Throws<InvalidDataException>(() => read.Select(wrong));
    }

    [Fact]
    public void Truncation_inside_the_cache_cuts_the_cached_batch()
    {
        var replica = new Replica(cacheMaxBytes: 3 * TenRecordBatch);
        for (var i = 0; i < 10; i++) replica.Append(10);
        replica.Truncate(85);

        var log = replica.Log;
        Assert.Equal(85, log.LogEndOffset);
        Assert.Equal(9, log.BatchCount);
        Assert.Equal(2, log.CachedBatchCount);
        var cut = Batch(80, 5);
        Assert.Equal((80L, 5, 9L, cut.SizeInBytes), (log.Index[^1].BaseOffset, log.Index[^1].Count, log.Index[^1].SequenceNr, log.Index[^1].SizeInBytes));
        Assert.Equal(TenRecordBatch + cut.SizeInBytes, log.CachedBytes);
        Assert.Equal(8L * TenRecordBatch + cut.SizeInBytes, log.SizeInBytes);
        Assert.Equal(85, Assert.IsType<LogRead.InMemory>(log.Read(80, long.MaxValue, int.MaxValue)).Batches.Single().NextOffset);
        Assert.Equal(Enumerable.Range(0, 85).Select(o => ((long)o, (byte)o)), replica.ReadAll(int.MaxValue));
    }

    [Fact]
    public void Truncation_below_the_cache_empties_it_and_a_read_slices_the_straddling_batch_from_the_journal_again()
    {
        var replica = new Replica(cacheMaxBytes: 3 * TenRecordBatch);
        for (var i = 0; i < 10; i++) replica.Append(10);
        replica.Truncate(43); // event 11; batch 40..49 (event 5) straddles it and was not cached

        var log = replica.Log;
        Assert.Equal(43, log.LogEndOffset);
        Assert.Equal(5, log.BatchCount);
        Assert.Equal(0, log.CachedBatchCount);
        Assert.Equal(0, log.CachedBytes);
        Assert.Equal(43, log.CacheStartOffset);
        Assert.Equal((40L, 3, 5L), (log.Index[^1].BaseOffset, log.Index[^1].Count, log.Index[^1].SequenceNr));

        var read = Assert.IsType<LogRead.FromJournal>(log.Read(41, long.MaxValue, int.MaxValue));
        Assert.Equal((5L, 5L), (read.FromSequenceNr, read.ToSequenceNr));
        var batch = Assert.Single(replica.Read(41, long.MaxValue, int.MaxValue));
        Assert.Equal((40L, 43L), (batch.BaseOffset, batch.NextOffset));
        Assert.Equal(Enumerable.Range(0, 43).Select(o => ((long)o, (byte)o)), replica.ReadAll(int.MaxValue));
        Assert.Equal(new[] { (0, 0L) }, log.Epochs.Entries);
    }

    [Fact]
    public void Offsets_appended_again_after_a_truncation_map_to_the_newer_events()
    {
        var replica = new Replica(cacheMaxBytes: 2 * TenRecordBatch);
        for (var i = 0; i < 6; i++) replica.Append(10, epoch: 1);       // events 1..6: offsets 0..59
        replica.Truncate(25);                                           // event 7
        for (var i = 0; i < 6; i++) replica.Append(10, epoch: 2, valueBytes: 20); // events 8..13: offsets 25..84

        var log = replica.Log;
        Assert.Equal(85, log.LogEndOffset);
        Assert.Equal(new long[] { 1, 2, 3, 8, 9, 10, 11, 12, 13 }, log.Index.Select(e => e.SequenceNr));
        Assert.Equal(new long[] { 0, 10, 20, 25, 35, 45, 55, 65, 75 }, log.Index.Select(e => e.BaseOffset));
        Assert.Equal(new[] { (1, 0L), (2, 25L) }, log.Epochs.Entries);

        // Offset 30 was in event 3 (superseded, then cut) and now is in event 8: the read names event 8 only.
        var read = Assert.IsType<LogRead.FromJournal>(log.Read(30, long.MaxValue, TenRecordBatch));
        Assert.Equal(new long[] { 8 }, read.Entries.Select(e => e.SequenceNr));
        // A range over the truncation skips the superseded events 4..6 and the marker, up to the cache (only the
        // newest of the larger batches fits the budget).
        Assert.Equal(75, log.CacheStartOffset);
        var across = Assert.IsType<LogRead.FromJournal>(log.Read(20, long.MaxValue, int.MaxValue));
        Assert.Equal((3L, 12L), (across.FromSequenceNr, across.ToSequenceNr));
        var batches = replica.Read(20, long.MaxValue, int.MaxValue);
        Assert.Equal(new[] { (20L, 25L, 10), (25L, 35L, 20), (35L, 45L, 20), (45L, 55L, 20), (55L, 65L, 20), (65L, 75L, 20) },
            batches.Select(b => (b.BaseOffset, b.NextOffset, b.Records[0].Value!.Length)));
        Assert.Equal(Enumerable.Range(0, 85).Select(o => (long)o), replica.ReadAll(int.MaxValue).Select(r => r.Offset));
    }

    [Fact]
    public void An_event_older_than_the_last_one_named_is_refused()
    {
        var log = new PartitionLog();
        log.Append(Batch(0, 1), 5);
        Assert.Throws<InvalidOperationException>(() => log.Append(Batch(1, 1), 5));
        Assert.Throws<InvalidOperationException>(() => log.Append(Batch(1, 1), 4));
        Assert.Equal(1, log.LogEndOffset);
    }

    /// <summary>Producer 7's batches [0,2) and [2,6), then producer 8's [6,7), none cached, and the table they make.</summary>
    private static (PartitionLog Log, ProducerStateTable Table) TwoProducersUncached()
    {
        var log = new PartitionLog(cacheMaxBytes: 0);
        var table = new ProducerStateTable();
        var seq = 0L;
        foreach (var b in new[] { Batch(0, 2, producerId: 7, baseSequence: 0), Batch(2, 4, producerId: 7, baseSequence: 2), Batch(6, 1, producerId: 8, baseSequence: 0) })
        {
            log.Append(b, ++seq);
            table.Record(b);
        }
        return (log, table);
    }

    [Fact]
    public void Producer_state_is_rebuilt_from_the_index_without_cached_batches()
    {
        var (log, table) = TwoProducersUncached();
        log.TruncateTo(4); // cuts producer 7's second batch (not cached) to sequences 2..3, drops producer 8
        table.Rebuild(log);
        Assert.Equal(ProducerStateTable.Verdict.Append, table.Validate(7, 4, 1).Verdict);
        var retry = table.Validate(7, 2, 2);
        Assert.Equal((ProducerStateTable.Verdict.Duplicate, 2L, 4L), (retry.Verdict, retry.BaseOffset, retry.NextOffset));
        Assert.Equal(ProducerStateTable.Verdict.Append, table.Validate(8, 0, 1).Verdict);
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void Random_appends_and_truncations_read_the_same_through_a_tiny_cache_as_through_an_unbounded_one()
    {
        var rnd = new Random(31);
        for (var round = 0; round < 20; round++)
        {
            var tiny = new Replica(cacheMaxBytes: rnd.Next(0, 4 * TenRecordBatch));
            var all = new Replica(cacheMaxBytes: long.MaxValue);
            for (var step = 0; step < 60; step++)
            {
                if (tiny.Log.LogEndOffset > 0 && rnd.Next(8) == 0)
                {
                    var at = rnd.NextInt64(0, tiny.Log.LogEndOffset);
                    tiny.Truncate(at);
                    all.Truncate(at);
                }
                else
                {
                    var (count, bytes) = (rnd.Next(1, 12), rnd.Next(1, 30));
                    tiny.Append(count, valueBytes: bytes);
                    all.Append(count, valueBytes: bytes);
                }
                Assert.True(tiny.Log.CachedBatchCount <= 1 || tiny.Log.CachedBytes <= tiny.Log.CacheMaxBytes);
            }
            Assert.Equal(all.Log.Index.Select(e => (e.BaseOffset, e.Count, e.SequenceNr)), tiny.Log.Index.Select(e => (e.BaseOffset, e.Count, e.SequenceNr)));
            var maxBytes = rnd.Next(1, 3 * TenRecordBatch);
            Assert.Equal(all.ReadAll(int.MaxValue), tiny.ReadAll(maxBytes));
            for (var o = 0L; o < tiny.Log.LogEndOffset; o += 7)
                Assert.Equal(all.Read(o, tiny.Log.LogEndOffset, 1)[0], tiny.Read(o, tiny.Log.LogEndOffset, 1)[0]);
        }
    }

    [Fact]
    public void A_restart_from_an_index_snapshot_rebuilds_the_log_a_full_replay_does()
    {
        var rnd = new Random(47);
        for (var round = 0; round < 30; round++)
        {
            var replica = new Replica(cacheMaxBytes: rnd.Next(0, 4 * TenRecordBatch));
            var snapshotAt = rnd.Next(0, 60);
            (LogIndexSnapshot Snapshot, long SequenceNr)? taken = null;
            for (var step = 0; step < 60; step++)
            {
                if (replica.Log.LogEndOffset > 0 && rnd.Next(8) == 0) replica.Truncate(rnd.NextInt64(0, replica.Log.LogEndOffset));
                else replica.Append(rnd.Next(1, 12), epoch: step / 15, valueBytes: rnd.Next(1, 30));
                // Taken in an event's handler: the index then holds exactly the events up to it.
                if (step == snapshotAt) taken = (replica.Log.ToSnapshot(), replica.Journal.Count);
            }
            var full = replica.Recover(long.MaxValue, null, 0);
            var restarted = replica.Recover(rnd.Next(0, 4 * TenRecordBatch), taken!.Value.Snapshot, taken.Value.SequenceNr);

            Assert.Equal(full.Log.Index, restarted.Log.Index);
            Assert.Equal((full.Log.LogEndOffset, full.Log.SizeInBytes), (restarted.Log.LogEndOffset, restarted.Log.SizeInBytes));
            Assert.Equal(full.Log.Epochs.Entries, restarted.Log.Epochs.Entries);
            Assert.Equal(full.ReadAll(int.MaxValue), restarted.ReadAll(rnd.Next(1, 3 * TenRecordBatch)));
            // Only the batches replayed after the snapshot are in memory.
            Assert.True(restarted.Log.CachedBatchCount <= replica.Journal.Count - taken.Value.SequenceNr);
        }
    }

    [Fact]
    public void The_producer_table_rebuilt_from_a_restored_index_answers_retries_as_before_the_restart()
    {
        var (log, table) = TwoProducersUncached();
        var restored = new PartitionLog(cacheMaxBytes: 0);
        restored.Restore(log.ToSnapshot());
        var rebuilt = new ProducerStateTable();
        rebuilt.Rebuild(restored);
        foreach (var (producer, sequence, count) in new[] { (7L, 2, 4), (7L, 6, 1), (7L, 0, 2), (8L, 0, 1), (8L, 1, 1), (9L, 0, 1), (9L, 3, 1) })
            Assert.Equal(table.Validate(producer, sequence, count), rebuilt.Validate(producer, sequence, count));
    }

    [Fact]
    public void A_snapshot_that_is_not_a_gap_free_index_is_refused_and_changes_nothing()
    {
        var good = new[] { new BatchIndexEntry(0, 3, 0, 100, 1, -1, -1), new BatchIndexEntry(3, 2, 1, 90, 4, -1, -1) };
        Assert.Null(PartitionLog.Check(new LogIndexSnapshot(5, good)));
        Assert.Null(PartitionLog.Check(new LogIndexSnapshot(0, Array.Empty<BatchIndexEntry>())));
        Assert.Null(PartitionLog.Check(new LogIndexSnapshot(5, new[] { good[1] })));              // retention dropped offsets 0-2
        Assert.Null(PartitionLog.Check(new LogIndexSnapshot(9, Array.Empty<BatchIndexEntry>())));  // a log started over at 9
        var broken = new[]
        {
            new LogIndexSnapshot(6, good),                                                          // wrong end
            new LogIndexSnapshot(5, new[] { good[0], good[1] with { BaseOffset = 4 } }),            // gap
            new LogIndexSnapshot(5, new[] { good[0], good[1] with { SequenceNr = 1 } }),            // events not ascending
            new LogIndexSnapshot(4, new[] { good[0] with { BaseOffset = -1 }, good[1] }),           // below offset 0
            new LogIndexSnapshot(-1, Array.Empty<BatchIndexEntry>()),                               // no log-end offset
            new LogIndexSnapshot(3, new[] { good[0], good[1] with { Count = 0 } }),                 // empty batch
        };
        foreach (var snapshot in broken)
        {
            Assert.NotNull(PartitionLog.Check(snapshot));
            var log = new PartitionLog();
            Assert.Throws<InvalidDataException>(() => log.Restore(snapshot));
            Assert.Equal((0, 0L, 0L), (log.BatchCount, log.LogEndOffset, log.SizeInBytes));
        }
        var used = new PartitionLog();
        used.Append(Batch(0, 1), 1);
        Assert.Throws<InvalidOperationException>(() => used.Restore(new LogIndexSnapshot(5, good)));
    }

    [Theory]
    [InlineData(1000L, 2, 1000L, true)]       // the interval reached, the index small
    [InlineData(999L, 2, 1000L, false)]
    [InlineData(3839L, 10, 1000L, false)]     // 10 batches: a 480-byte snapshot waits for 3,840 bytes written
    [InlineData(3840L, 10, 1000L, true)]
    [InlineData(1L << 40, 10, 0L, false)]     // off
    public void A_snapshot_is_due_after_the_interval_and_eight_times_its_own_size(long bytesSince, int batches, long interval, bool due) =>
        Assert.Equal(due, LogIndexSnapshot.IsDue(bytesSince, 0, batches, interval, 0));

    [Theory]
    [InlineData(99L, 100, 100L, false)]         // small batches: 99 written of the 100 the trigger waits for
    [InlineData(100L, 100, 100L, true)]
    [InlineData(100L, 3200, 100L, false)]       // a 3,200-batch index: a snapshot waits for a sixteenth of it, 200
    [InlineData(199L, 3200, 100L, false)]
    [InlineData(200L, 3200, 100L, true)]
    [InlineData(1_000_000L, 3200, 0L, false)]   // off
    public void A_snapshot_is_due_after_the_batch_interval_and_a_sixteenth_of_the_index(long batchesSince, int batches, long interval, bool due) =>
        // 1 byte a batch, far below the byte trigger's 64 MiB: only the batch count decides.
        Assert.Equal(due, LogIndexSnapshot.IsDue(batchesSince, batchesSince, batches, 64L << 20, interval));
}
