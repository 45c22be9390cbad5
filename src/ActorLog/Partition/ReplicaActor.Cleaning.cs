using Akka.Actor;
using Akka.Event;
using ActorLog.Groups;
using ActorLog.Log;

namespace ActorLog.Partition;

/// <summary>
/// The offsets topic's cleaning (decision 33) on the leaders of its partitions, and every follower following its
/// leader's log start. A pass (<see cref="OffsetsCleaner"/>) folds the log from its start to a batch boundary below the
/// high watermark, appends the live records' copies, and the leader then persists a start marker there: retention's
/// machinery (ReplicaActor.Retention.cs) drops the folded batches and deletes their journal events, and
/// <see cref="ReplicationProtocol.LogStartMoved"/> tells the followers to do the same.
/// </summary>
public sealed partial class ReplicaActor
{
    /// <summary>How long the copies of a pass may wait for the in-sync replicas.</summary>
    private static readonly TimeSpan CopyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>After a failed pass, the next waits this long (else one that cannot replicate its copies starts again at every append).</summary>
    private static readonly TimeSpan CleaningRetryDelay = TimeSpan.FromSeconds(5);

    private IActorRef? _cleaner;
    private int _cleanings;
    private long _cleanNotBeforeMs;

    /// <summary>Bytes of copies the last pass appended: the log holds at least this much live, and grows from there.</summary>
    private long _liveBytesAfterCleaning;

    /// <summary>
    /// A pass that folds at least up to here drops tombstones: the end of this leader's last pass's copies, and at first its
    /// log end when it began to lead (any earlier leader's copies are below it). A tombstone may go only when every older
    /// copy of its key is folded with it; otherwise that copy, left behind, would bring the key back, so a shorter pass
    /// copies tombstones forward like live records.
    /// </summary>
    private long _copiesEnd;

    /// <summary>A follower's view of its leader's log start, and the start it last moved its own log to for it.</summary>
    private long _leaderLogStart;

    private long _leaderLogStartFollowed;

    private bool CleansOffsets => _tp.Topic == OffsetsTopic.Name && _settings.OffsetsCleaningMinBytes >= 0;

    private void OnBecameLeaderForCleaning()
    {
        _copiesEnd = _writeEnd;
        _liveBytesAfterCleaning = 0;
        MaybeCleanOffsets();
    }

    /// <summary>Starts a pass when the log grew by offsets-cleaning-min-bytes and by the last pass's copies since then.</summary>
    private void MaybeCleanOffsets()
    {
        if (_cleaner is not null || _leader is null || _logStartInFlight || !CleansOffsets || NowMs < _cleanNotBeforeMs) return;
        var live = _liveBytesAfterCleaning;
        if (_partitionLog.SizeInBytes - live < Math.Max(_settings.OffsetsCleaningMinBytes, live)) return;
        // Its copies go with acks=all: with too few in-sync replicas they would be refused after the whole read.
        if (_leader.InSyncReplicas.Count < _config!.MinInsyncReplicas) return;
        var (from, to) = (_partitionLog.LogStartOffset, CleanableEnd());
        if (to <= from) return;
        var dropTombstones = to >= _copiesEnd;
        var maxBatchBytes = Math.Min(_config.MaxMessageBytes, _settings.MaxMessageBytes);
        _log.Info("{0}: cleaning offsets {1}..{2} ({3} bytes in the log, {4} live after the last pass{5})", _tp, from, to - 1,
            _partitionLog.SizeInBytes, live, dropTombstones ? "" : "; tombstones kept: older copies lie past this pass");
        _cleaner = Context.ActorOf(OffsetsCleaner.Props(_tp, _leaderEpoch, from, to, maxBatchBytes, dropTombstones, CopyTimeout),
            $"offsets-cleaner-{++_cleanings}");
    }

    /// <summary>
    /// The end of the last batch wholly below the high watermark, never past the newest batch (it keeps the log end), and
    /// at most <see cref="RetentionPolicy.MaxBytesPerPass"/> of batches from the start: their journal rows go in one
    /// transaction, so a long log (one written before cleaning existed) is cleaned in passes one after the other.
    /// </summary>
    private long CleanableEnd()
    {
        var index = _partitionLog.Index;
        var highWatermark = Math.Min(_highWatermark, _partitionLog.LogEndOffset);
        // The largest i < Count - 1 with index[i].NextOffset <= highWatermark (NextOffset grows with i).
        var (lo, hi, last) = (0, index.Count - 2, -1);
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            if (index[mid].NextOffset <= highWatermark) (last, lo) = (mid, mid + 1);
            else hi = mid - 1;
        }
        var bytes = 0L;
        for (var i = 0; i <= last; i++)
        {
            bytes += index[i].SizeInBytes;
            if (i > 0 && bytes > RetentionPolicy.MaxBytesPerPass) return index[i].BaseOffset;
        }
        return last < 0 ? _partitionLog.LogStartOffset : index[last].NextOffset;
    }

    private void OnOffsetsCleaned(OffsetsCleaner.Done done)
    {
        if (!Sender.Equals(_cleaner)) return;
        _cleaner = null;
        // The pass waited for its last copy's answer: every copy is below the batches handed to the journal so far.
        _copiesEnd = Math.Max(_copiesEnd, _writeEnd);
        if (_leader is null || done.LeaderEpoch != _leaderEpoch) return;
        _liveBytesAfterCleaning = done.CopiedBytes;
        var keyless = done.KeylessDropped > 0 ? $"; {done.KeylessDropped} records without a key dropped" : "";
        _log.Info($"{_tp}: offsets {_partitionLog.LogStartOffset}..{done.CleanedTo - 1} folded: {done.RecordsRead} records to " +
            $"{done.LiveKeys} live keys, {done.CopiedBytes} bytes copied to the log end{keyless}");
        if (done.CleanedTo <= _partitionLog.LogStartOffset) return;
        if (_logStartInFlight)
        {
            // Not expected on the offsets topic (it has no retention); the next pass folds this part again.
            _log.Debug("{0}: a log start marker is being written; the folded part stays until the next pass", _tp);
            return;
        }
        PersistLogStart(done.CleanedTo, "offsets cleaning");
    }

    private void OnOffsetsCleaningFailed(OffsetsCleaner.Failed failed)
    {
        if (!Sender.Equals(_cleaner)) return;
        _cleaner = null;
        _copiesEnd = Math.Max(_copiesEnd, _writeEnd);
        _cleanNotBeforeMs = NowMs + (long)CleaningRetryDelay.TotalMilliseconds;
        _log.Warning("{0}: cleaning the offsets log failed, the log stays as it is; trying again in {1} s: {2}", _tp,
            CleaningRetryDelay.TotalSeconds, failed.Reason);
    }

    private void StopCleaning()
    {
        if (_cleaner is null) return;
        Context.Stop(_cleaner);
        _cleaner = null;
    }

    /// <summary>The leader's start moved: its subscribed followers drop the same batches.</summary>
    private void TellFollowersLogStart()
    {
        var moved = new ReplicationProtocol.LogStartMoved(_tp, _leaderEpoch, _partitionLog.LogStartOffset);
        foreach (var follower in _leader!.Followers.Values)
            if (follower.Subscriber is IActorRef subscriber) subscriber.Tell(moved);
    }

    private void OnLeaderLogStartMoved(ReplicationProtocol.LogStartMoved moved)
    {
        if (moved.LeaderEpoch != _leaderEpoch)
        {
            _log.Debug("{0}: log start of epoch {1} ignored at epoch {2}", _tp, moved.LeaderEpoch, _leaderEpoch);
            return;
        }
        FollowLeaderLogStart(moved.LogStartOffset);
    }

    /// <summary>
    /// Moves this follower's start to its leader's once its own log reaches past it (a follower further behind catches
    /// up first; one whose log ends below the leader's start starts over there when it subscribes). Never to its log
    /// end, as the leader never drops its newest batch: an emptied log would forget its leader epochs.
    /// </summary>
    private void FollowLeaderLogStart(long leaderStart)
    {
        _leaderLogStart = Math.Max(_leaderLogStart, leaderStart);
        if (_logStartInFlight || _leaderLogStart <= _leaderLogStartFollowed || _leaderLogStart <= _partitionLog.LogStartOffset
            || _leaderLogStart >= _partitionLog.LogEndOffset) return;
        _leaderLogStartFollowed = _leaderLogStart;
        PersistLogStart(_leaderLogStart, $"following leader {_followedLeader}'s log start");
    }
}
