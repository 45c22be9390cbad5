using Akka.Actor;
using Akka.Event;
using ActorLog.Common;
using ActorLog.Log;
using ActorLog.Replication;

namespace ActorLog.Partition;

/// <summary>
/// Reads of offsets older than the tail cache: the leader asks the journal (Akka.Persistence.Query) for the events
/// the log's index names, off the actor's thread, and answers the fetch or pushes to the follower when they arrive.
/// Such a read is a SQL query, not a memory copy; the tail cache spares it for consumers and followers that keep up.
/// </summary>
public sealed partial class ReplicaActor
{
    /// <summary>Most bytes pushed to a follower from one read of the log.</summary>
    private const int MaxPushBytes = 1024 * 1024;

    /// <summary>A consumer's fetch whose batches were read from the journal (Batches null: the read failed).</summary>
    private sealed record FetchRead(PartitionProtocol.Fetch Request, IActorRef ReplyTo, int LeaderEpoch,
        IReadOnlyList<RecordBatch>? Batches, Exception? Failure);

    /// <summary>Batches read from the journal for a follower behind the tail cache (Batches null: the read failed).</summary>
    private sealed record FollowerRead(long Id, int FollowerBrokerId, IActorRef Subscriber, long FromOffset, int LeaderEpoch,
        IReadOnlyList<RecordBatch>? Batches, Exception? Failure);

    /// <summary>
    /// Requesters with a fetch being read from the journal, each with its later fetches that wait behind it, so one
    /// requester's answers keep the order of its requests.
    /// </summary>
    private readonly Dictionary<IActorRef, Queue<PartitionProtocol.Fetch>> _fetchesBehindJournalRead = new();

    /// <summary>Per follower, its journal read in flight: one at a time, since pushes must stay in offset order.</summary>
    private readonly Dictionary<int, long> _followerReads = new();

    private long _nextJournalReadId;

    private Task<IReadOnlyList<RecordBatch>> ReadJournalAsync(LogRead.FromJournal read)
    {
        var query = JournalQuery.Get(Context.System);
        var persistenceId = PersistenceId;
        return ReadAsync();

        async Task<IReadOnlyList<RecordBatch>> ReadAsync() =>
            read.Select(await query.EventsAsync(persistenceId, read.FromSequenceNr, read.ToSequenceNr));
    }

    private void ReadFetchFromJournal(PartitionProtocol.Fetch fetch, IActorRef replyTo, LogRead.FromJournal read)
    {
        _fetchesBehindJournalRead[replyTo] = new Queue<PartitionProtocol.Fetch>();
        var epoch = _leaderEpoch;
        ReadJournalAsync(read).PipeTo(Self,
            success: batches => new FetchRead(fetch, replyTo, epoch, batches, null),
            failure: e => new FetchRead(fetch, replyTo, epoch, null, e));
    }

    private void OnFetchRead(FetchRead read)
    {
        if (_leader is null || read.LeaderEpoch != _leaderEpoch)
        {
            // Leadership moved while the journal was read; the fetches waiting behind it were answered at step-down.
            PartitionErrors.TryReply(read.Request, read.ReplyTo, NotLeaderError(), _assignment?.Leader ?? -1, _leaderEpoch);
            return;
        }
        if (read.Batches is null && read.Request.Offset < _partitionLog.LogStartOffset)
        {
            // Retention dropped those batches (and deleted their events) while they were being read.
            read.ReplyTo.Tell(new PartitionProtocol.FetchResult(_tp, _highWatermark, _partitionLog.LogStartOffset, Array.Empty<RecordBatch>(),
                new ErrorInfo(ErrorCode.OffsetOutOfRange,
                    $"Offset {read.Request.Offset} is outside the log of {_tp} [{_partitionLog.LogStartOffset}, {_partitionLog.LogEndOffset}]: retention dropped it")));
        }
        else if (read.Batches is null)
        {
            _log.Warning("{0}: reading offset {1} from the journal failed: {2}", _tp, read.Request.Offset, read.Failure?.Message);
            read.ReplyTo.Tell(new PartitionProtocol.FetchResult(_tp, _highWatermark, _partitionLog.LogStartOffset, Array.Empty<RecordBatch>(),
                new ErrorInfo(ErrorCode.KafkaStorageError, $"{_tp}: reading offset {read.Request.Offset} from broker {BrokerId}'s journal failed: {read.Failure?.Message}")));
        }
        else
        {
            read.ReplyTo.Tell(new PartitionProtocol.FetchResult(_tp, _highWatermark, _partitionLog.LogStartOffset, read.Batches, null));
        }
        // The requester's fetches that came meanwhile, in order; the first of them may go to the journal again,
        // and then the rest queue behind it once more.
        if (_fetchesBehindJournalRead.Remove(read.ReplyTo, out var waiting))
            while (waiting.TryDequeue(out var next)) AnswerFetch(next, read.ReplyTo);
    }

    private void ReadForFollowerFromJournal(FollowerProgress follower, IActorRef subscriber, LogRead.FromJournal read)
    {
        var id = ++_nextJournalReadId;
        _followerReads[follower.BrokerId] = id;
        var (brokerId, from, epoch) = (follower.BrokerId, follower.NextOffsetToSend, _leaderEpoch);
        ReadJournalAsync(read).PipeTo(Self,
            success: batches => new FollowerRead(id, brokerId, subscriber, from, epoch, batches, null),
            failure: e => new FollowerRead(id, brokerId, subscriber, from, epoch, null, e));
    }

    private void OnFollowerRead(FollowerRead read)
    {
        // Reads started before a step-down were forgotten with it.
        if (!_followerReads.TryGetValue(read.FollowerBrokerId, out var id) || id != read.Id) return;
        _followerReads.Remove(read.FollowerBrokerId);
        if (_leader is null || read.LeaderEpoch != _leaderEpoch || !_leader.Followers.TryGetValue(read.FollowerBrokerId, out var follower)) return;
        if (read.Batches is null)
        {
            // Tried again at the next pump (the next append, acknowledgement or subscription).
            _log.Warning("{0}: reading offset {1} from the journal for follower {2} failed: {3}",
                _tp, read.FromOffset, read.FollowerBrokerId, read.Failure?.Message);
            return;
        }
        // It subscribed again meanwhile (from elsewhere or to another actor): these batches may not fit; start over.
        if (Equals(follower.Subscriber, read.Subscriber) && follower.NextOffsetToSend == read.FromOffset)
            Push(follower, read.Subscriber, read.Batches);
        PumpFollower(follower);
    }

    /// <summary>Fetches waiting behind journal reads get the step-down error; reads still in flight are forgotten.</summary>
    private void ForgetJournalReads(ErrorInfo error)
    {
        foreach (var (replyTo, waiting) in _fetchesBehindJournalRead)
            foreach (var fetch in waiting)
                PartitionErrors.TryReply(fetch, replyTo, error, _assignment?.Leader ?? -1, _leaderEpoch);
        _fetchesBehindJournalRead.Clear();
        _followerReads.Clear();
    }
}
