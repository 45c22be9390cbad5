using Akka.Actor;
using ActorLog.Common;
using ActorLog.Log;

namespace ActorLog.Partition;

/// <summary>
/// One cleaning pass of an offsets-topic partition (decision 33), a child of its leader's replica: reads the log's
/// records in [From, To) through the leader's own fetch path (the tail cache or the journal, as a consumer would),
/// folds them with <see cref="KeyedLogCleaner"/>, and produces the latest records' copies to the leader with acks=all,
/// one batch after the other. It then reports <see cref="Done"/>, and the leader moves its log start to To; on any
/// error it reports <see cref="Failed"/> and the log stays as it is (copies already appended are harmless: they lose
/// to newer records by their original offsets). It answers only once no produce of its own is outstanding, so the
/// leader knows where its copies end.
/// </summary>
public sealed class OffsetsCleaner : ReceiveActor
{
    /// <summary>Most bytes one read asks for.</summary>
    private const int ReadBytes = 1024 * 1024;

    public sealed record Done(int LeaderEpoch, long CleanedTo, long RecordsRead, int LiveKeys, long CopiedBytes, long KeylessDropped);

    public sealed record Failed(int LeaderEpoch, string Reason);

    private readonly TopicPartition _tp;
    private readonly int _leaderEpoch;
    private readonly long _to;
    private readonly int _maxBatchBytes;
    private readonly bool _dropTombstones;
    private readonly TimeSpan _produceTimeout;
    private readonly KeyedLogCleaner _cleaner = new();
    private long _next;
    private int _copied;
    private long _copiedBytes;

    public OffsetsCleaner(TopicPartition tp, int leaderEpoch, long from, long to, int maxBatchBytes, bool dropTombstones, TimeSpan produceTimeout)
    {
        _dropTombstones = dropTombstones;
        _tp = tp;
        _leaderEpoch = leaderEpoch;
        _next = from;
        _to = to;
        _maxBatchBytes = maxBatchBytes;
        _produceTimeout = produceTimeout;
        Receive<PartitionProtocol.FetchResult>(OnRead);
    }

    public static Props Props(TopicPartition tp, int leaderEpoch, long from, long to, int maxBatchBytes, bool dropTombstones, TimeSpan produceTimeout) =>
        Akka.Actor.Props.Create(() => new OffsetsCleaner(tp, leaderEpoch, from, to, maxBatchBytes, dropTombstones, produceTimeout));

    protected override void PreStart() => ReadNext();

    private void ReadNext() => Context.Parent.Tell(new PartitionProtocol.Fetch(_tp, _next, ReadBytes, 0));

    private void OnRead(PartitionProtocol.FetchResult result)
    {
        if (result.Error is { } error)
        {
            Fail($"reading offset {_next} failed: {error}");
            return;
        }
        if (result.Batches.Count == 0)
        {
            Fail($"reading offset {_next} returned nothing below the high watermark {result.HighWatermark}");
            return;
        }
        try
        {
            foreach (var batch in result.Batches) _cleaner.Add(batch, _next, _to);
        }
        catch (InvalidDataException e)
        {
            // Undecodable records are the journal's problem to report; the pass leaves the log as it is.
            Fail($"the records at offset {_next} do not decode: {e.Message}");
            return;
        }
        _next = Math.Max(_next, result.Batches[^1].NextOffset);
        if (_next < _to)
        {
            ReadNext();
            return;
        }
        var copies = _cleaner.Copies(_maxBatchBytes, _dropTombstones);
        Become(() => Receive<PartitionProtocol.ProduceResult>(r => OnCopied(r, copies)));
        CopyNext(copies);
    }

    private void CopyNext(IReadOnlyList<RecordBatch> copies)
    {
        if (_copied == copies.Count)
        {
            Context.Parent.Tell(new Done(_leaderEpoch, _to, _cleaner.RecordsRead, copies.Sum(b => b.Count), _copiedBytes, _cleaner.KeylessDropped));
            Context.Stop(Self);
            return;
        }
        Context.Parent.Tell(new PartitionProtocol.Produce(_tp, -1, (int)_produceTimeout.TotalMilliseconds, copies[_copied]));
    }

    private void OnCopied(PartitionProtocol.ProduceResult result, IReadOnlyList<RecordBatch> copies)
    {
        if (result.Error is { } error)
        {
            Fail($"appending copy batch {_copied + 1} of {copies.Count} failed: {error}");
            return;
        }
        _copiedBytes += copies[_copied].SizeInBytes;
        _copied++;
        CopyNext(copies);
    }

    private void Fail(string reason)
    {
        Context.Parent.Tell(new Failed(_leaderEpoch, reason));
        Context.Stop(Self);
    }
}
