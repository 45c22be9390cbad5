using Akka.Actor;
using Akka.Event;
using ActorLog.Common;

namespace ActorLog.Groups.Coordinator;

/// <summary>Rebuilding the group's committed offsets from its offsets partition, through the broker's <see cref="OffsetsLoader"/>.</summary>
public sealed partial class GroupCoordinator
{
    private (int LeaderEpoch, long LogEnd, long StartedMs)? _loading;

    /// <summary>
    /// Rebuilds the group's offsets from the offsets partition, from its log start to the log end seen when leadership
    /// was checked: a new leader's high watermark may lag its log until its followers catch up, and the loader's
    /// long-polling reads wait for it, so every commit a previous coordinator acknowledged is read before anything is
    /// answered. The loader reads the partition once for all of its groups (decision 33 keeps it short).
    /// </summary>
    private void StartLoading(int leaderEpoch, long logEnd)
    {
        if (_loadedEpoch >= 0) _log.Warning("{0}: offsets partition leader epoch changed; members must rejoin", Owner);
        Unload();
        _loading = (leaderEpoch, logEnd, NowMs);
        _offsetsLoader.Tell(new OffsetsLoader.Load(_groupId, _offsetsPartition, leaderEpoch, logEnd));
        Become(Loading);
    }

    private void Loading()
    {
        Receive<OffsetsLoader.Loaded>(OnLoaded);
        ReceiveMetadata();
        ReceiveAny(_ => Stash.Stash());
    }

    private void OnLoaded(OffsetsLoader.Loaded loaded)
    {
        if (_loading is not { } loading || loaded.LeaderEpoch != loading.LeaderEpoch) return; // an abandoned load's answer
        var (epoch, logEnd, startedMs) = loading;
        _loading = null;
        if (loaded.Offsets is not { } offsets)
        {
            _log.Warning("{0}: loading offsets failed: {1}", Owner, loaded.Error);
            var error = loaded.Error ?? new ErrorInfo(ErrorCode.NotCoordinator, "no offsets");
            Finish(error.Code == ErrorCode.CoordinatorLoadInProgress
                ? new ErrorInfo(error.Code, $"Group [{_groupId}]: {error.Message}")
                : new ErrorInfo(ErrorCode.NotCoordinator, $"Group [{_groupId}]: broker {_brokerId}: {error.Message}"));
            return;
        }
        _offsets = offsets;
        _loadedEpoch = epoch;
        _log.Info("{0}: loaded {1} committed offset(s) up to offset {2} at leader epoch {3} in {4} ms",
            Owner, offsets.Offsets.Count, logEnd, epoch, NowMs - startedMs);
        Handle();
    }
}
