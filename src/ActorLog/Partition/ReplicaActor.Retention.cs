using Akka.Event;
using Akka.Persistence;
using ActorLog.Log;

namespace ActorLog.Partition;

/// <summary>
/// Retention (decision 32): every <c>actorlog.log.retention-check-interval</c> (and at once when the topic's retention is
/// altered) each replica, leader or follower, drops
/// the oldest batches its topic's retention.ms / retention.bytes let go (<see cref="RetentionPolicy"/>). It first
/// persists a <see cref="LogStartAdvanced"/> marker, then deletes the journal events below it: a snapshot of the index
/// saved before the deletion is corrected by the marker when it is replayed, so deleted batches never come back.
/// A follower whose whole log is older than its leader's start moves its start the same way (to the leader's).
/// </summary>
public sealed partial class ReplicaActor
{
    private sealed record RetentionTick
    {
        public static readonly RetentionTick Instance = new();
    }

    /// <summary>A start marker is being persisted (retention, cleaning or following the leader's start): one at a time.</summary>
    private bool _logStartInFlight;

    /// <summary>Journal events recovery found dropped by a start marker: deleted once recovery is over (they may be left from a crash).</summary>
    private long _deleteAfterRecovery = -1;

    private void StartRetentionChecks() =>
        Timers.StartPeriodicTimer(nameof(RetentionTick), RetentionTick.Instance, _settings.RetentionCheckInterval);

    /// <summary>Every behaviour but deletion applies retention and hears how the journal deletions went.</summary>
    private void CommandRetention()
    {
        Command<RetentionTick>(_ =>
        {
            ApplyRetention();
            MaybeCleanOffsets();
        });
        Command<OffsetsCleaner.Done>(OnOffsetsCleaned);
        Command<OffsetsCleaner.Failed>(OnOffsetsCleaningFailed);
        Command<DeleteMessagesSuccess>(d =>
        {
            _log.Debug("{0}: deleted the journal events up to {1}", _tp, d.ToSequenceNr);
            // A pass drops at most RetentionPolicy.MaxBytesPerPass: the rest of a backlog goes now, not at the next check.
            ApplyRetention();
            MaybeCleanOffsets();
        });
        // Not fatal: the log no longer names those events, and the next deletion (to a later event) covers them.
        Command<DeleteMessagesFailure>(f => _log.Warning("{0}: could not delete the journal events up to {1} that left the log: {2}",
            _tp, f.ToSequenceNr, f.Cause.Message));
    }

    private void ApplyRetention()
    {
        if (_logStartInFlight || _config is not { } config) return;
        var highWatermark = Math.Min(_highWatermark, _partitionLog.LogEndOffset);
        if (RetentionPolicy.NewStart(_partitionLog.Index, _partitionLog.SizeInBytes, highWatermark, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                config.RetentionMs, config.RetentionBytes) is not { } start) return;
        PersistLogStart(start, "retention");
    }

    /// <summary>Persists a start marker; once it is in the journal the log drops the batches below it.</summary>
    private void PersistLogStart(long offset, string why)
    {
        _logStartInFlight = true;
        // Its handler runs after those of the batches persisted before it, and before any truncation persisted after.
        PersistAsync(new LogStartAdvanced(offset), moved =>
        {
            _logStartInFlight = false;
            MoveLogStart(moved, why);
        });
    }

    /// <summary>Applies a persisted start marker (live or replayed): the log drops the batches below it, the journal their events.</summary>
    private void MoveLogStart(LogStartAdvanced moved, string why)
    {
        var (start, batches, bytes) = (_partitionLog.LogStartOffset, _partitionLog.BatchCount, _partitionLog.SizeInBytes);
        var emptied = moved.Offset >= _partitionLog.LogEndOffset;
        var deleteTo = _partitionLog.AdvanceStart(moved.Offset);
        // A log that keeps batches keeps its producers' sequences (as Kafka keeps producer state past retention);
        // an emptied one starts over with the batches that follow.
        if (emptied) _producers.Rebuild(_partitionLog);
        // Emptied, every event before the marker is obsolete, also batches a truncation dropped (the index no longer
        // names them, so the batches dropped here may not reach them); the marker itself stays: it holds the log end.
        if (emptied) deleteTo = Math.Max(deleteTo, LastSequenceNr - 1);
        if (IsRecovering)
        {
            _deleteAfterRecovery = Math.Max(_deleteAfterRecovery, deleteTo);
            return;
        }
        _log.Info("{0}: {1}: the log starts at offset {2} now (was {3}); {4} batches, {5} bytes dropped", _tp, why, _partitionLog.LogStartOffset,
            start, batches - _partitionLog.BatchCount, bytes - _partitionLog.SizeInBytes);
        if (deleteTo > 0) DeleteMessages(deleteTo);
        if (_leader is not null) TellFollowersLogStart();
    }

    /// <summary>At the end of recovery: deletes what replayed start markers dropped, in case a crash came before the deletion.</summary>
    private void DeleteDroppedAfterRecovery()
    {
        if (_deleteAfterRecovery > 0) DeleteMessages(_deleteAfterRecovery);
        _deleteAfterRecovery = -1;
    }
}
