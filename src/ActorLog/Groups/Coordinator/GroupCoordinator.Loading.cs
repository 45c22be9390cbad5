using Akka.Actor;
using Akka.Event;
using ActorLog.Common;
using ActorLog.Groups.Offsets;
using ActorLog.Partition;

namespace ActorLog.Groups.Coordinator;

/// <summary>Rebuilding the group's committed offsets from its offsets partition.</summary>
public sealed partial class GroupCoordinator
{
    private static readonly TimeSpan LoadFetchWait = TimeSpan.FromSeconds(1);

    /// <summary>A load that has not reached the log end by then answers CoordinatorLoadInProgress (retriable); the next request starts again.</summary>
    private static readonly TimeSpan LoadTimeout = TimeSpan.FromSeconds(10);

    private sealed class Load(int leaderEpoch, long logEnd, string groupId)
    {
        public int LeaderEpoch { get; } = leaderEpoch;
        public long LogEnd { get; } = logEnd;
        public long StartedMs { get; } = Environment.TickCount64;
        public GroupOffsets Offsets { get; private set; } = new(groupId);
        public long NextOffset { get; set; }

        /// <summary>Folds the log again from <paramref name="logStart"/>: the log's cleaning moved its start past what was read.</summary>
        public void StartOver(long logStart)
        {
            Offsets = new GroupOffsets(groupId);
            NextOffset = logStart;
        }
    }

    private Load? _load;

    /// <summary>
    /// Rebuilds the group's offsets from the offsets partition, from its log start to the log end seen when leadership
    /// was checked: a new leader's high watermark may lag its log until its followers catch up, and a long-polling
    /// fetch waits for it, so every commit a previous coordinator acknowledged is read before anything is answered.
    /// The first fetch asks for offset 0; when the log's cleaning (decision 33) has moved the start, the answer
    /// names it and the load starts there (and starts over if the start moves again while it reads).
    /// </summary>
    private void StartLoading(int leaderEpoch, long logEnd)
    {
        if (_loadedEpoch >= 0) _log.Warning("{0}: offsets partition leader epoch changed; members must rejoin", Owner);
        Unload();
        _load = new Load(leaderEpoch, logEnd, _groupId);
        if (logEnd == 0)
        {
            Loaded();
            return;
        }
        Become(Loading);
        FetchForLoad();
    }

    private void Loading()
    {
        Receive<PartitionProtocol.FetchResult>(OnLoadFetched);
        ReceiveMetadata();
        ReceiveAny(_ => Stash.Stash());
    }

    private void OnLoadFetched(PartitionProtocol.FetchResult result)
    {
        var load = _load!;
        if (result.Error is { Code: ErrorCode.OffsetOutOfRange } && result.LogStartOffset > load.NextOffset && result.LogStartOffset <= load.LogEnd)
        {
            if (load.NextOffset > 0) _log.Info("{0}: the offsets log now starts at {1}, past offset {2}; loading again from there", Owner, result.LogStartOffset, load.NextOffset);
            load.StartOver(result.LogStartOffset);
            FetchForLoad();
            return;
        }
        if (result.Error is not null)
        {
            _log.Warning("{0}: loading offsets failed: {1}", Owner, result.Error);
            _load = null;
            Finish(new ErrorInfo(ErrorCode.NotCoordinator, $"Group [{_groupId}]: broker {_brokerId} lost {_offsetsPartition} while loading"));
            return;
        }
        load.NextOffset = load.Offsets.ApplyBatches(result.Batches, load.NextOffset);
        if (load.NextOffset >= load.LogEnd)
        {
            Loaded();
            return;
        }
        if (NowMs - load.StartedMs > LoadTimeout.TotalMilliseconds)
        {
            // The high watermark has not reached the log end (followers still catching up): the client retries.
            _load = null;
            Finish(new ErrorInfo(ErrorCode.CoordinatorLoadInProgress,
                $"Group [{_groupId}]: still loading {_offsetsPartition} (at offset {load.NextOffset} of {load.LogEnd})"));
            return;
        }
        FetchForLoad();
    }

    private void Loaded()
    {
        var load = _load!;
        _load = null;
        _offsets = load.Offsets;
        _loadedEpoch = load.LeaderEpoch;
        _log.Info("{0}: loaded {1} committed offset(s) up to offset {2} at leader epoch {3} in {4} ms",
            Owner, load.Offsets.Offsets.Count, load.LogEnd, load.LeaderEpoch, NowMs - load.StartedMs);
        Handle();
    }

    private void FetchForLoad() =>
        _replicaManager.Tell(new PartitionProtocol.Fetch(_offsetsPartition, _load!.NextOffset, 1024 * 1024, (int)LoadFetchWait.TotalMilliseconds));
}
