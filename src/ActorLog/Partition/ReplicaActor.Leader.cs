using Akka.Event;
using Akka.Actor;
using ActorLog.Broker;
using ActorLog.Common;
using ActorLog.Controller;
using ActorLog.Log;
using ActorLog.Metadata;
using ActorLog.Replication;

namespace ActorLog.Partition;

/// <summary>The leader role: assigns offsets, persists, pushes to followers, tracks ISR and high watermark.</summary>
public sealed partial class ReplicaActor
{
    private sealed record PendingAck(long RequiredOffset, IActorRef ReplyTo, long BaseOffset, long DeadlineMs)
    {
        public long SinceMs { get; } = Environment.TickCount64;

        /// <summary>The produce request's correlation id, echoed in the answer.</summary>
        public long CorrelationId { get; init; }

        public PartitionProtocol.ProduceResult Answer(TopicPartition tp, long baseOffset, ErrorInfo? error, int leaderHint = -1, int leaderEpochHint = -1) =>
            new(tp, baseOffset, error, leaderHint, leaderEpochHint) { CorrelationId = CorrelationId };
    }

    private sealed record ParkedFetch(long Id, PartitionProtocol.Fetch Request, IActorRef ReplyTo);

    private sealed record FetchExpired(long Id);

    private sealed record IsrCheckTick
    {
        public static readonly IsrCheckTick Instance = new();
    }

    private LeaderReplicationState? _leader;
    private readonly Queue<PendingAck> _pendingAcks = new();
    private readonly Dictionary<long, ParkedFetch> _parkedFetches = new();
    private long _nextFetchId;
    private long _isrProposedAtMs;
    private long _stallWarnedAtMs;

    /// <summary>An acks=all request waiting longer than this is logged with every follower's progress.</summary>
    private const long StalledAckWarningMs = 5000;

    /// <summary>The assignment this replica leads at once the journal writes in flight are in its log.</summary>
    private PartitionMetadata? _leadWhenDrained;

    /// <summary>
    /// Leads at <paramref name="p"/>'s epoch with a settled log. A write still in flight (a batch the previous leader
    /// pushed, or one of this replica's own earlier epoch) would land after the leader's state was built from the log
    /// end: the high watermark would not count it, so acks=all requests waiting for it would stall until the next append,
    /// and a producer's retry of the batch it carries would not be known as a duplicate and would be appended again.
    /// Until then requests are answered NotLeaderOrFollower, naming this broker, which clients retry.
    /// </summary>
    private void Lead(PartitionMetadata p)
    {
        if (_writesInFlight == 0)
        {
            BecomeLeader(p);
            return;
        }
        _log.Info("{0}: leading at epoch {1} once {2} journal write(s) in flight are done", _tp, p.LeaderEpoch, _writesInFlight);
        _leadWhenDrained = p;
        Timers.Cancel(nameof(SubscribeTick));
        Become(AwaitingRole);
    }

    private void BecomeLeader(PartitionMetadata p)
    {
        _leadWhenDrained = null;
        _subscribeWhenDrained = false;
        _leader = new LeaderReplicationState(BrokerId, p.LeaderEpoch, _writeEnd, p.Replicas, p.Isr,
            _partitionLog.LogEndOffset, _highWatermark, NowMs);
        _highWatermark = _leader.HighWatermark;
        _log.Info("{0}: leader at epoch {1}, log-end offset {2}, high watermark {3}, ISR [{4}]",
            _tp, p.LeaderEpoch, _partitionLog.LogEndOffset, _highWatermark, string.Join(",", _leader.InSyncReplicas));
        Timers.Cancel(nameof(SubscribeTick));
        Timers.StartPeriodicTimer(nameof(IsrCheckTick), IsrCheckTick.Instance, _settings.IsrCheckInterval);
        Become(Leader);
        OnBecameLeaderForCleaning();
    }

    private void Leader()
    {
        Command<PartitionProtocol.Produce>(OnProduce);
        Command<PartitionProtocol.Fetch>(OnFetch);
        Command<FetchExpired>(OnFetchExpired);
        Command<FetchRead>(OnFetchRead);
        Command<FollowerRead>(OnFollowerRead);
        Command<PartitionProtocol.GetPartitionState>(_ => Sender.Tell(StateReply("leader", null)));
        Command<ReplicationProtocol.FollowerFetch>(OnFollowerFetch);
        Command<ReplicationProtocol.FollowerAck>(OnFollowerAck);
        Command<ControllerProtocol.AlterIsrResult>(OnAlterIsrResult);
        Command<IsrCheckTick>(_ => OnIsrCheck());
        Command<ReplicaManagerProtocol.BrokerDown>(OnBrokerDown);
        Command<ReplicaManagerProtocol.ControllerChanged>(_ => ResendIsrChange());
        Command<ReplicaManagerProtocol.AssignmentChanged>(OnAssignment);
        CommandClaims();
        CommandSnapshots();
        CommandRetention();
        Command<ReplicaManagerProtocol.DeletePartition>(_ => { StepDownIfLeader("topic deleted"); DeleteAndStop(); });
        // A follower's push from an older epoch may still arrive; ignore it.
        Command<ReplicationProtocol.ReplicateBatch>(b =>
            _log.Warning("{0}: leader at epoch {1} ignores a pushed batch of epoch {2}", _tp, _leaderEpoch, b.LeaderEpoch));
        Command<ReplicationProtocol.FollowerFetchResult>(_ => { });
        Command<ReplicationProtocol.LogStartMoved>(_ => { });
    }

    private void OnProduce(PartitionProtocol.Produce produce)
    {
        var leader = _leader!;
        var config = _config!;
        var replyTo = Sender;
        if (produce.Acks is not (0 or 1 or -1))
        {
            Reply(produce, replyTo, new ErrorInfo(ErrorCode.InvalidRequiredAcks, $"acks must be 0, 1 or all (-1), got {produce.Acks}"));
            return;
        }
        var incoming = produce.Batch;
        if (incoming.Count == 0)
        {
            Reply(produce, replyTo, new ErrorInfo(ErrorCode.RecordListTooLarge, "A produce request holds at least one record"));
            return;
        }
        // As in Kafka, max.message.bytes bounds a record batch; clients split batches below it, so only a
        // single oversized record can exceed it. Records are not decoded here: the bytes go to the journal as they are.
        var maxBytes = Math.Min(config.MaxMessageBytes, _settings.MaxMessageBytes);
        if (incoming.Payload.Length > maxBytes)
        {
            Reply(produce, replyTo, new ErrorInfo(ErrorCode.RecordTooLarge,
                $"A batch of {incoming.Count} record(s), {incoming.Payload.Length} bytes, is larger than max.message.bytes = {maxBytes} of topic {_tp.Topic}"));
            return;
        }
        if (produce.Acks == -1 && leader.InSyncReplicas.Count < config.MinInsyncReplicas)
        {
            Reply(produce, replyTo, new ErrorInfo(ErrorCode.NotEnoughReplicas,
                $"{_tp} has {leader.InSyncReplicas.Count} in-sync replica(s) [{string.Join(",", leader.InSyncReplicas)}]; " +
                $"acks=all needs min.insync.replicas = {config.MinInsyncReplicas}"));
            return;
        }

        var check = _producers.Validate(incoming.ProducerId, incoming.BaseSequence, incoming.Count);
        if (check.Verdict == ProducerStateTable.Verdict.UnknownProducer)
        {
            Reply(produce, replyTo, new ErrorInfo(ErrorCode.UnknownProducerId,
                $"{_tp}: producer {incoming.ProducerId} sent sequence {incoming.BaseSequence}, but this log holds none of its batches"));
            return;
        }
        if (check.Verdict == ProducerStateTable.Verdict.OutOfOrder)
        {
            Reply(produce, replyTo, new ErrorInfo(ErrorCode.OutOfOrderSequenceNumber,
                $"{_tp}: producer {incoming.ProducerId} sent sequence {incoming.BaseSequence}, expected {check.ExpectedSequence}"));
            return;
        }
        if (check.Verdict == ProducerStateTable.Verdict.Duplicate)
        {
            // A retry of a batch we already have: answer with its original offsets once acks are satisfied.
            AnswerDuplicate(produce, replyTo, check);
            return;
        }

        var batch = incoming.Place(_writeEnd, _leaderEpoch, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        _producers.Record(batch);
        _writeEnd = batch.NextOffset;
        _writesInFlight++;
        // Followers that have everything before this batch get it now, so their journal write overlaps ours and
        // acks=all waits for one write instead of two in a row. Safe because a replica instance only leads at an
        // epoch granted after it started (LeaderEpochClaims); the others get it from PumpFollower once persisted.
        foreach (var f in leader.Followers.Values) PushAhead(f, batch);
        var epoch = _leaderEpoch;
        var deadline = NowMs + Math.Max(1, produce.TimeoutMs);
        PersistAsync(batch, persisted =>
        {
            _writesInFlight--;
            // LastSequenceNr is this event's: Akka.Persistence sets it before it calls the handler.
            _partitionLog.Append(persisted, LastSequenceNr);
            OnAppended(persisted);
            if (_leader is null || _leaderEpoch != epoch)
            {
                // Leadership moved while the write was in flight: it is in our log, but the new leader decides.
                Reply(produce, replyTo, NotLeaderError());
                OnWritesDrained();
                return;
            }
            if (produce.Acks == 1) replyTo.Tell(produce.Answer(persisted.BaseOffset));
            else if (produce.Acks == -1)
                _pendingAcks.Enqueue(new PendingAck(persisted.NextOffset, replyTo, persisted.BaseOffset, deadline) { CorrelationId = produce.CorrelationId });
            foreach (var f in _leader.Followers.Values) PumpFollower(f);
            if (_leader.OnLocalAppend(_partitionLog.LogEndOffset)) OnHighWatermarkAdvanced();
        });
    }

    private void AnswerDuplicate(PartitionProtocol.Produce produce, IActorRef replyTo, ProducerStateTable.Check check)
    {
        if (check.NextOffset > _partitionLog.LogEndOffset)
        {
            // The original is still being written: the producer asks again shortly.
            Reply(produce, replyTo, new ErrorInfo(ErrorCode.OutOfOrderSequenceNumber,
                $"{_tp}: batch {produce.Batch.BaseSequence} of producer {produce.Batch.ProducerId} is still being written"));
            return;
        }
        if (produce.Acks == 1 || check.NextOffset <= _highWatermark)
            replyTo.Tell(produce.Answer(check.BaseOffset));
        else if (produce.Acks == -1)
            _pendingAcks.Enqueue(new PendingAck(check.NextOffset, replyTo, check.BaseOffset, NowMs + Math.Max(1, produce.TimeoutMs))
            {
                CorrelationId = produce.CorrelationId,
            });
    }

    private void Reply(PartitionProtocol.Produce produce, IActorRef replyTo, ErrorInfo error)
    {
        if (produce.Acks != 0) replyTo.Tell(produce.Answer(-1, error, _assignment?.Leader ?? -1, _leaderEpoch));
    }

    private ErrorInfo NotLeaderError() => new(ErrorCode.NotLeaderOrFollower,
        $"Broker {BrokerId} is no longer the leader of {_tp} (leader {_assignment?.Leader ?? -1}, epoch {_leaderEpoch})");

    private void OnHighWatermarkAdvanced()
    {
        var leader = _leader!;
        _highWatermark = leader.HighWatermark;
        while (_pendingAcks.TryPeek(out var ack) && ack.RequiredOffset <= _highWatermark)
        {
            _pendingAcks.Dequeue();
            // Kafka's rule: the write reached every in-sync replica, but too few of them to be safe.
            ErrorInfo? error = leader.InSyncReplicas.Count < _config!.MinInsyncReplicas
                ? new ErrorInfo(ErrorCode.NotEnoughReplicasAfterAppend,
                    $"{_tp}: written, but the in-sync replicas shrank to {leader.InSyncReplicas.Count} < min.insync.replicas {_config.MinInsyncReplicas}")
                : null;
            ack.ReplyTo.Tell(ack.Answer(_tp, error is null ? ack.BaseOffset : -1, error));
        }
        MaybeCleanOffsets();
        if (_parkedFetches.Count == 0) return;
        foreach (var parked in _parkedFetches.Values.Where(f => f.Request.Offset < _highWatermark).ToList())
        {
            _parkedFetches.Remove(parked.Id);
            Timers.Cancel(("fetch", parked.Id));
            AnswerFetch(parked.Request, parked.ReplyTo);
        }
    }

    private void OnFetch(PartitionProtocol.Fetch fetch)
    {
        if (fetch.Offset < _partitionLog.LogStartOffset || fetch.Offset > _partitionLog.LogEndOffset)
        {
            Sender.Tell(new PartitionProtocol.FetchResult(_tp, _highWatermark, _partitionLog.LogStartOffset, Array.Empty<RecordBatch>(),
                new ErrorInfo(ErrorCode.OffsetOutOfRange,
                    $"Offset {fetch.Offset} is outside the log of {_tp} [{_partitionLog.LogStartOffset}, {_partitionLog.LogEndOffset}]")));
            return;
        }
        var maxWait = fetch.MaxWaitMs < 0 ? (int)_settings.DefaultFetchMaxWait.TotalMilliseconds : fetch.MaxWaitMs;
        if (fetch.Offset < _highWatermark || maxWait == 0)
        {
            AnswerFetch(fetch, Sender);
            return;
        }
        // Long poll: answer when the high watermark passes the offset, or when the wait ends.
        var id = ++_nextFetchId;
        _parkedFetches[id] = new ParkedFetch(id, fetch, Sender);
        Timers.StartSingleTimer(("fetch", id), new FetchExpired(id), TimeSpan.FromMilliseconds(maxWait));
    }

    private void OnFetchExpired(FetchExpired expired)
    {
        if (_parkedFetches.Remove(expired.Id, out var parked)) AnswerFetch(parked.Request, parked.ReplyTo);
    }

    /// <summary>Answers from the tail cache at once, or once the journal has been read (consumers read below the high watermark).</summary>
    private void AnswerFetch(PartitionProtocol.Fetch fetch, IActorRef replyTo)
    {
        if (_fetchesBehindJournalRead.TryGetValue(replyTo, out var waiting))
        {
            waiting.Enqueue(fetch);
            return;
        }
        switch (_partitionLog.Read(fetch.Offset, _highWatermark, Math.Max(1, fetch.MaxBytes)))
        {
            case LogRead.InMemory m:
                replyTo.Tell(new PartitionProtocol.FetchResult(_tp, _highWatermark, _partitionLog.LogStartOffset, m.Batches, null));
                break;
            case LogRead.FromJournal j:
                ReadFetchFromJournal(fetch, replyTo, j);
                break;
        }
    }

    private void OnFollowerFetch(ReplicationProtocol.FollowerFetch ff)
    {
        var leader = _leader!;
        if (ff.LeaderEpoch > _leaderEpoch)
        {
            Sender.Tell(new ReplicationProtocol.FollowerFetchResult(_tp, _leaderEpoch, -1, _highWatermark,
                new ErrorInfo(ErrorCode.FencedLeaderEpoch, $"{_tp}: follower knows epoch {ff.LeaderEpoch}, this leader has {_leaderEpoch}")));
            return;
        }
        if (!leader.Followers.TryGetValue(ff.FollowerBrokerId, out var progress))
        {
            Sender.Tell(new ReplicationProtocol.FollowerFetchResult(_tp, _leaderEpoch, -1, _highWatermark,
                new ErrorInfo(ErrorCode.NotLeaderOrFollower, $"Broker {ff.FollowerBrokerId} holds no replica of {_tp}")));
            return;
        }
        var truncateTo = DivergencePoint(ff.FetchOffset, ff.LastFetchedEpoch);
        var logStart = _partitionLog.LogStartOffset;
        Sender.Tell(new ReplicationProtocol.FollowerFetchResult(_tp, _leaderEpoch, truncateTo, _highWatermark, null) { LogStartOffset = logStart });
        // It subscribes again once truncated, or once its log starts over at ours (retention dropped what it needs next).
        if (truncateTo >= 0 || ff.FetchOffset < logStart) return;
        if (leader.Subscribe(ff.FollowerBrokerId, Sender, ff.FetchOffset, NowMs)) OnHighWatermarkAdvanced();
        PumpFollower(progress);
    }

    /// <summary>
    /// Where the follower's log leaves ours (KIP-101): the end of its last epoch in our log when that is
    /// below its fetch offset; our log end when it is ahead of us; -1 when its log is a prefix of ours.
    /// </summary>
    private long DivergencePoint(long fetchOffset, int lastFetchedEpoch)
    {
        var end = _partitionLog.LogEndOffset;
        if (lastFetchedEpoch >= 0)
        {
            var (epoch, epochEnd) = _partitionLog.Epochs.EndOffsetFor(lastFetchedEpoch, end);
            if (epoch < 0) return fetchOffset > 0 ? 0 : -1;
            if (epochEnd < fetchOffset) return epochEnd;
        }
        return fetchOffset > end ? end : -1;
    }

    /// <summary>
    /// Pushes persisted batches the follower lacks (followers read up to the log end), up to its window of
    /// unacknowledged records. A follower behind the tail cache is fed from the journal, one read at a time.
    /// </summary>
    private void PumpFollower(FollowerProgress f)
    {
        if (f.Subscriber is not IActorRef subscriber || _followerReads.ContainsKey(f.BrokerId)) return;
        while (f.NextOffsetToSend < _partitionLog.LogEndOffset && f.NextOffsetToSend - Math.Max(0, f.LogEndOffset) < _settings.MaxUnackedRecords)
        {
            switch (_partitionLog.Read(f.NextOffsetToSend, _partitionLog.LogEndOffset, MaxPushBytes))
            {
                case LogRead.InMemory { Batches.Count: 0 }:
                    return;
                case LogRead.InMemory m:
                    Push(f, subscriber, m.Batches);
                    break;
                case LogRead.FromJournal j:
                    ReadForFollowerFromJournal(f, subscriber, j);
                    return;
            }
        }
    }

    /// <summary>Pushes a batch still being written to a follower that is at its base offset, within its window.</summary>
    private void PushAhead(FollowerProgress f, RecordBatch batch)
    {
        if (f.Subscriber is not IActorRef subscriber || _followerReads.ContainsKey(f.BrokerId) || f.NextOffsetToSend != batch.BaseOffset
            || f.NextOffsetToSend - Math.Max(0, f.LogEndOffset) >= _settings.MaxUnackedRecords) return;
        subscriber.Tell(new ReplicationProtocol.ReplicateBatch(_tp, _leaderEpoch, batch, _highWatermark));
        f.NextOffsetToSend = batch.NextOffset;
    }

    private void Push(FollowerProgress f, IActorRef subscriber, IReadOnlyList<RecordBatch> batches)
    {
        foreach (var batch in batches)
        {
            if (batch.NextOffset <= f.NextOffsetToSend) continue;
            var toSend = batch.BaseOffset < f.NextOffsetToSend ? batch.Slice(f.NextOffsetToSend, batch.NextOffset) : batch;
            subscriber.Tell(new ReplicationProtocol.ReplicateBatch(_tp, _leaderEpoch, toSend, _highWatermark));
            f.NextOffsetToSend = toSend.NextOffset;
        }
    }

    private void OnFollowerAck(ReplicationProtocol.FollowerAck ack)
    {
        var leader = _leader!;
        if (ack.LeaderEpoch != _leaderEpoch || !leader.Followers.TryGetValue(ack.FollowerBrokerId, out var progress)) return;
        if (leader.OnFollowerAck(ack.FollowerBrokerId, ack.LogEndOffset, NowMs)) OnHighWatermarkAdvanced();
        var expand = leader.ExpandCandidates();
        if (expand.Count > 0) ProposeIsrChange(expand, Array.Empty<int>());
        PumpFollower(progress);
    }

    private void OnBrokerDown(ReplicaManagerProtocol.BrokerDown down)
    {
        _leader!.OnFollowerGone(down.BrokerId);
        // The change in flight may have gone to a controller on the broker that just went down.
        ResendIsrChange();
    }

    /// <summary>
    /// Sends the ISR as it stands now, dropping an unconfirmed change that may have gone to a controller that is gone
    /// (lost with it) instead of waiting out the unconfirmed timeout (2 x the metadata write timeout), which held
    /// acks=all writes ~10 s. Should the first still be recorded, its answer only brings a set the next check
    /// corrects; the leader drops a follower only once a smaller set is recorded.
    /// </summary>
    private void ResendIsrChange()
    {
        if (_leader!.PendingIsr is not null) _leader.OnIsrRejected();
        ProposeCurrentIsr(NowMs);
    }

    /// <summary>Proposes the followers that caught up and drops the gone or lagging ones (nothing while a change is in flight).</summary>
    private void ProposeCurrentIsr(long nowMs) =>
        ProposeIsrChange(_leader!.ExpandCandidates(), _leader.ShrinkCandidates(nowMs, (long)_settings.ReplicaLagTimeMax.TotalMilliseconds));

    private void OnIsrCheck()
    {
        var leader = _leader!;
        var now = NowMs;
        if (leader.PendingIsr is not null && now - _isrProposedAtMs > _settings.MetadataWriteTimeout.TotalMilliseconds * 2)
        {
            _log.Warning("{0}: ISR change [{1}] unconfirmed by the controller; retrying", _tp, string.Join(",", leader.PendingIsr));
            leader.OnIsrRejected();
        }
        ProposeCurrentIsr(now);
        if (_pendingAcks.TryPeek(out var oldest) && now - oldest.SinceMs > StalledAckWarningMs && now - _stallWarnedAtMs > StalledAckWarningMs)
        {
            // acks=all waiting this long means an in-sync follower is not acknowledging: say which, for the operator.
            _stallWarnedAtMs = now;
            var pending = leader.PendingIsr is { } p ? $" (pending [{string.Join(",", p)}])" : "";
            var followers = string.Join("; ", leader.Followers.Values.Select(f =>
                $"{f.BrokerId} at {f.LogEndOffset}, next push {f.NextOffsetToSend}, {(f.Subscriber is null ? "not subscribed" : "subscribed")}, last ack {now - f.LastAckMs} ms ago"));
            _log.Warning($"{_tp}: acks=all for offset {oldest.BaseOffset} waiting {now - oldest.SinceMs} ms; high watermark {leader.HighWatermark}, " +
                $"log end {leader.LogEndOffset}, ISR [{string.Join(",", leader.InSyncReplicas)}]{pending}; followers: {followers}");
        }
        while (_pendingAcks.TryPeek(out var ack) && ack.DeadlineMs <= now)
        {
            _pendingAcks.Dequeue();
            ack.ReplyTo.Tell(ack.Answer(_tp, -1, new ErrorInfo(ErrorCode.RequestTimedOut,
                $"{_tp}: offset {ack.BaseOffset} was not replicated to the in-sync replicas [{string.Join(",", leader.InSyncReplicas)}] in time")));
        }
    }

    private void ProposeIsrChange(IReadOnlyCollection<int> add, IReadOnlyCollection<int> remove)
    {
        var leader = _leader!;
        remove = remove.Where(leader.InSyncReplicas.Contains).ToList();
        var proposed = leader.ProposeIsr(add, remove);
        if (proposed is null) return;
        _isrProposedAtMs = NowMs;
        _log.Info("{0}: proposing ISR [{1}] (adding [{2}], removing [{3}])", _tp, string.Join(",", proposed),
            string.Join(",", add), string.Join(",", remove));
        _controller.Tell(new ControllerProtocol.AlterIsr(_tp, BrokerId, _leaderEpoch, proposed));
    }

    private void OnAlterIsrResult(ControllerProtocol.AlterIsrResult result)
    {
        var leader = _leader!;
        if (result.Error is not null || result.Metadata is null)
        {
            _log.Warning("{0}: controller refused the ISR change: {1}", _tp, result.Error);
            leader.OnIsrRejected();
            return;
        }
        _assignment = result.Metadata;
        if (leader.OnIsrCommitted(result.Metadata.Isr)) OnHighWatermarkAdvanced();
    }

    /// <summary>Leaves the leader role: waiting producers and fetchers are told to find the new leader.</summary>
    private void StepDownIfLeader(string reason)
    {
        if (_leader is null) return;
        _log.Info("{0}: no longer leader at epoch {1}: {2}", _tp, _leaderEpoch, reason);
        Timers.Cancel(nameof(IsrCheckTick));
        var error = NotLeaderError();
        while (_pendingAcks.TryDequeue(out var ack))
            ack.ReplyTo.Tell(ack.Answer(_tp, -1, error, _assignment?.Leader ?? -1, _leaderEpoch));
        foreach (var parked in _parkedFetches.Values)
            parked.ReplyTo.Tell(new PartitionProtocol.FetchResult(_tp, _highWatermark, _partitionLog.LogStartOffset,
                Array.Empty<RecordBatch>(), error, _assignment?.Leader ?? -1, _leaderEpoch));
        _parkedFetches.Clear();
        ForgetJournalReads(error);
        StopCleaning();
        _leader = null;
    }
}
