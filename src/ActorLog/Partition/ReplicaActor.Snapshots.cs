using Akka.Event;
using Akka.Persistence;
using ActorLog.Log;

namespace ActorLog.Partition;

/// <summary>
/// Snapshots of the log index (decisions 30 and 43): after every <c>actorlog.log.snapshot-after-bytes</c> or
/// <c>snapshot-after-batches</c> written the replica saves its index, and a restart loads the latest one and replays
/// only the journal events after it.
/// One snapshot is kept; each saved one deletes those before it.
/// </summary>
public sealed partial class ReplicaActor
{
    /// <summary>Bytes of batches appended (or replayed) since the last snapshot was saved.</summary>
    private long _bytesSinceSnapshot;

    /// <summary>Batches appended (or replayed) since then: a restart replays one journal event for each.</summary>
    private long _batchesSinceSnapshot;

    private bool _snapshotInFlight;

    /// <summary>
    /// Takes the snapshot's index, or declines a snapshot it cannot use (Akka.Persistence then replays the whole
    /// journal, as if there were none): a broken snapshot costs a slow start, never a wrong log.
    /// </summary>
    private bool RecoverSnapshot(SnapshotOffer offer)
    {
        if (offer.Snapshot is not LogIndexSnapshot snapshot) return Decline(offer, $"it is a {offer.Snapshot.GetType()}");
        try
        {
            // Restore checks the whole index before it changes anything: a refused snapshot leaves the log empty.
            _partitionLog.Restore(snapshot);
        }
        catch (InvalidDataException e)
        {
            return Decline(offer, e.Message);
        }
        _producers.Rebuild(_partitionLog);
        _log.Info("{0}: loaded the log index snapshot at journal event {1}: {2} batches, log-end offset {3}; replaying the events after it",
            _tp, offer.Metadata.SequenceNr, snapshot.Entries.Length, snapshot.LogEndOffset);
        return true;
    }

    private bool Decline(SnapshotOffer offer, string problem)
    {
        _log.Error("{0}: the snapshot at journal event {1} is not a usable log index ({2}); replaying the whole journal",
            _tp, offer.Metadata.SequenceNr, problem);
        return false;
    }

    /// <summary>Counts a batch now in the log; outside recovery, saves a snapshot when one is due.</summary>
    private void OnAppended(RecordBatch batch)
    {
        _bytesSinceSnapshot += batch.SizeInBytes;
        _batchesSinceSnapshot++;
        if (!IsRecovering) SnapshotIfDue();
    }

    /// <summary>
    /// Saves the index as of <see cref="Eventsourced.LastSequenceNr"/>: called from an event's handler (or at the
    /// end of recovery), when the index holds exactly the events up to that one.
    /// </summary>
    private void SnapshotIfDue()
    {
        if (_snapshotInFlight || !LogIndexSnapshot.IsDue(_bytesSinceSnapshot, _batchesSinceSnapshot, _partitionLog.BatchCount,
                _settings.SnapshotAfterBytes, _settings.SnapshotAfterBatches)) return;
        _snapshotInFlight = true;
        _bytesSinceSnapshot = 0;
        _batchesSinceSnapshot = 0;
        SaveSnapshot(_partitionLog.ToSnapshot());
    }

    /// <summary>Every behaviour but deletion handles the snapshot store's answers.</summary>
    private void CommandSnapshots()
    {
        Command<SaveSnapshotSuccess>(s =>
        {
            _snapshotInFlight = false;
            _log.Debug("{0}: saved the log index snapshot at journal event {1}", _tp, s.Metadata.SequenceNr);
            DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1));
        });
        Command<SaveSnapshotFailure>(f =>
        {
            // Not fatal: the journal still holds everything; the next restart just replays more of it.
            _snapshotInFlight = false;
            _log.Warning("{0}: could not save the log index snapshot at journal event {1}: {2}", _tp, f.Metadata.SequenceNr, f.Cause.Message);
        });
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _log.Warning("{0}: could not delete older log index snapshots: {1}", _tp, f.Cause.Message));
    }
}
