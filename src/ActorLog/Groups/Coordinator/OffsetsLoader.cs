using Akka.Actor;
using ActorLog.Common;
using ActorLog.Groups.Offsets;
using ActorLog.Partition;

namespace ActorLog.Groups.Coordinator;

/// <summary>
/// One per broker: reads each offsets partition the broker's coordinators load from once for all of their groups, as
/// Kafka's group coordinator loads a whole offsets partition when it takes it over. A coordinator that loads its group
/// asks for the partition folded up to the log end it saw when it checked leadership; the loader folds the log (from
/// its start, then on from where it stopped, at the same leader epoch) and answers with a copy of that group's
/// offsets. Before it, every coordinator read the whole partition itself, so loading N groups of a partition read
/// it N times (50 concurrent loads of a 35 MB partition never finished; bench/RESULTS.md, session 13). A new leader
/// epoch folds the log again from its start, and so does a log start that moved past the fold (the offsets topic's
/// cleaning, decision 33). Folds no load used for 5 minutes are dropped.
/// </summary>
public sealed class OffsetsLoader : ReceiveActor, IWithTimers
{
    public const string Name = "offsets-loader";

    /// <summary>Most bytes one read asks for; a read waits up to a second for the high watermark to reach the log end.</summary>
    private const int ReadBytes = 1024 * 1024;

    private static readonly TimeSpan ReadWait = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A fold no load asked for this long is dropped: loads come in bursts (a failover loads every group of a partition at
    /// once), and the broker may no longer lead the partition. A later load reads the (cleaned) partition again.
    /// </summary>
    private static readonly TimeSpan IdleExpiry = TimeSpan.FromMinutes(5);

    private sealed record ExpiryTick
    {
        public static readonly ExpiryTick Instance = new();
    }

    /// <summary>A load that has not reached its log end by then answers CoordinatorLoadInProgress (retriable).</summary>
    public static readonly TimeSpan LoadTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Group <see cref="GroupId"/>'s offsets from <see cref="Partition"/> at least up to <see cref="LogEnd"/>, read at <see cref="LeaderEpoch"/>.</summary>
    public sealed record Load(string GroupId, TopicPartition Partition, int LeaderEpoch, long LogEnd);

    /// <summary>The group's offsets (its own copy), or the error that stopped the load.</summary>
    public sealed record Loaded(string GroupId, int LeaderEpoch, GroupOffsets? Offsets, ErrorInfo? Error);

    private sealed record Read(TopicPartition Partition, int Generation, long From, PartitionProtocol.FetchResult? Result, Exception? Failure);

    private sealed record Waiter(Load Request, IActorRef ReplyTo, long SinceMs);

    /// <summary>What one offsets partition says so far: every group of it folded up to <see cref="Next"/>.</summary>
    private sealed class Fold
    {
        public int LeaderEpoch = -1;
        public long LastLoadMs = Environment.TickCount64;
        public int Generation;
        public long Next;
        public bool Reading;
        public readonly Dictionary<string, GroupOffsets> Groups = new(StringComparer.Ordinal);
        public readonly List<Waiter> Waiting = new();

        /// <summary>Folds anew from <paramref name="from"/>; reads of the old fold (their generation, unique in the loader) are dropped.</summary>
        public void StartOver(long from, int generation)
        {
            Generation = generation;
            Groups.Clear();
            Next = from;
            Reading = false;
        }
    }

    private readonly IActorRef _replicaManager;
    private readonly Dictionary<TopicPartition, Fold> _folds = new();
    private int _generations;

    public OffsetsLoader(IActorRef replicaManager)
    {
        _replicaManager = replicaManager;
        Receive<Load>(OnLoad);
        Receive<Read>(OnRead);
        Receive<ExpiryTick>(_ =>
        {
            foreach (var (tp, fold) in _folds.Where(f => f.Value.Waiting.Count == 0 && NowMs - f.Value.LastLoadMs > IdleExpiry.TotalMilliseconds).ToList())
                _folds.Remove(tp);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => Timers.StartPeriodicTimer(nameof(ExpiryTick), ExpiryTick.Instance, IdleExpiry / 5);

    public static Props Props(IActorRef replicaManager) => Akka.Actor.Props.Create(() => new OffsetsLoader(replicaManager));

    private static long NowMs => Environment.TickCount64;

    private void OnLoad(Load load)
    {
        if (!_folds.TryGetValue(load.Partition, out var fold)) _folds[load.Partition] = fold = new Fold();
        fold.LastLoadMs = NowMs;
        if (load.LeaderEpoch < fold.LeaderEpoch)
        {
            Sender.Tell(new Loaded(load.GroupId, load.LeaderEpoch, null, new ErrorInfo(ErrorCode.NotCoordinator,
                $"{load.Partition} is at leader epoch {fold.LeaderEpoch} already, not {load.LeaderEpoch}")));
            return;
        }
        if (load.LeaderEpoch > fold.LeaderEpoch)
        {
            // Another leader may have written what this broker's log never had: fold everything again.
            Fail(fold, new ErrorInfo(ErrorCode.NotCoordinator, $"{load.Partition} moved to leader epoch {load.LeaderEpoch} while loading"));
            fold.LeaderEpoch = load.LeaderEpoch;
            fold.StartOver(0, ++_generations);
        }
        fold.Waiting.Add(new Waiter(load, Sender, NowMs));
        AnswerOrRead(load.Partition, fold);
    }

    private void OnRead(Read read)
    {
        if (!_folds.TryGetValue(read.Partition, out var fold) || fold.Generation != read.Generation) return; // folded anew meanwhile
        fold.Reading = false;
        if (read.Result is { Error: { Code: ErrorCode.OffsetOutOfRange } } outOfRange && outOfRange.LogStartOffset > read.From)
        {
            // The log's cleaning moved its start past this fold: what is left (and its copies) says everything.
            fold.StartOver(outOfRange.LogStartOffset, ++_generations);
            AnswerOrRead(read.Partition, fold);
            return;
        }
        if (read.Result is not { Error: null } result)
        {
            var reason = read.Result?.Error?.ToString() ?? read.Failure?.Message ?? "no answer";
            Fail(fold, new ErrorInfo(ErrorCode.NotCoordinator, $"broker lost {read.Partition} while loading: {reason}"));
            return;
        }
        foreach (var (record, version) in OffsetsRecordCodec.Read(result.Batches, read.From))
        {
            if (!fold.Groups.TryGetValue(record.GroupId, out var group)) fold.Groups[record.GroupId] = group = new GroupOffsets(record.GroupId);
            group.Apply(record, version);
        }
        if (result.Batches.Count > 0) fold.Next = Math.Max(fold.Next, result.Batches[^1].NextOffset);
        AnswerOrRead(read.Partition, fold);
    }

    /// <summary>Answers the loads the fold has reached (or that waited too long), and reads on for the rest.</summary>
    private void AnswerOrRead(TopicPartition tp, Fold fold)
    {
        var now = NowMs;
        fold.Waiting.RemoveAll(w =>
        {
            if (w.Request.LogEnd <= fold.Next)
            {
                var offsets = fold.Groups.TryGetValue(w.Request.GroupId, out var group) ? group.Copy() : new GroupOffsets(w.Request.GroupId);
                w.ReplyTo.Tell(new Loaded(w.Request.GroupId, fold.LeaderEpoch, offsets, null));
                return true;
            }
            if (now - w.SinceMs <= LoadTimeout.TotalMilliseconds) return false;
            // The high watermark has not reached the log end (followers still catching up): the client retries.
            w.ReplyTo.Tell(new Loaded(w.Request.GroupId, fold.LeaderEpoch, null, new ErrorInfo(ErrorCode.CoordinatorLoadInProgress,
                $"still loading {tp} (at offset {fold.Next} of {w.Request.LogEnd})")));
            return true;
        });
        if (fold.Waiting.Count == 0 || fold.Reading) return;
        fold.Reading = true;
        var (generation, from) = (fold.Generation, fold.Next);
        _replicaManager.Ask<PartitionProtocol.FetchResult>(new PartitionProtocol.Fetch(tp, from, ReadBytes, (int)ReadWait.TotalMilliseconds),
                ReadWait + TimeSpan.FromSeconds(5))
            .PipeTo(Self, success: r => new Read(tp, generation, from, r, null), failure: e => new Read(tp, generation, from, null, e));
    }

    private static void Fail(Fold fold, ErrorInfo error)
    {
        foreach (var w in fold.Waiting) w.ReplyTo.Tell(new Loaded(w.Request.GroupId, w.Request.LeaderEpoch, null, error));
        fold.Waiting.Clear();
    }
}
