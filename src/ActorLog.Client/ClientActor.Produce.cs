using Akka.Actor;
using Akka.Event;
using Akka.Remote;
using ActorLog.Client.Produce;
using ActorLog.Common;
using ActorLog.Gateway;
using ActorLog.Log;
using ActorLog.Metadata;
using ActorLog.Partition;
using ActorLog.Partitioning;
using static ActorLog.Client.ClientProtocol;

namespace ActorLog.Client;

/// <summary>
/// The produce side of the client actor: per-partition accumulators, batches and their sequence numbers,
/// sending to leaders, answers, resends when leadership moves or a connection drops, and delivery timeouts.
/// </summary>
internal sealed partial class ClientActor
{
    private sealed record BatchDone(PartitionKey Key, SentBatch Batch, PartitionProtocol.ProduceResult? Result, Exception? Failure);

    /// <summary>A batch once sequenced: it keeps its producer id and sequence through every retry.</summary>
    private sealed record SentBatch(PartitionProtocol.Produce Message, List<Pending> Records, bool IsRetry, ErrorInfo? LastError = null)
    {
        /// <summary>The leader (broker id, epoch) it was sent to and when: a leader change in the metadata resends it.</summary>
        public (int Broker, int Epoch, long AtMs) SentTo { get; init; } = (-1, -1, 0);

        /// <summary>The actor it went to (the leader's replica, or its broker's gateway): if that replica stops, it is resent.</summary>
        public IActorRef? Via { get; init; }

        /// <summary>This send's id, echoed in the answer (a resend gets a new one, so a late answer to the old is ignored).</summary>
        public long CorrelationId { get; init; }
    }


    private readonly record struct PartitionKey(TopicPartition Partition, Acks Acks);

    /// <summary>A record waiting in its partition's accumulator (a struct in a ring buffer: no allocation per record).</summary>
    private readonly record struct Pending(ClientProtocol.ProduceRecord Request, int Size);

    /// <summary>
    /// One partition's produce state. Batches are numbered per (producer id, partition) as Kafka's idempotent
    /// producer does, so the leader drops a retried batch it already has and refuses one that overtook an
    /// earlier batch: retries neither duplicate nor reorder records.
    /// </summary>
    private sealed class Accumulator
    {
        public readonly Queue<Pending> Queue = new();
        public readonly SortedDictionary<int, SentBatch> Retry = new();
        public readonly HashSet<SentBatch> Sent = new(ReferenceEqualityComparer.Instance);
        public int InFlight;
        public int RetriesInFlight;
        public long RetryNotBeforeMs;
        public long ProducerId = NewProducerId();
        public int NextSequence;

        /// <summary>Why records cannot be sent now (no leader, partition offline): the error they expire with.</summary>
        public ErrorInfo? BlockedBy;

        /// <summary>
        /// The leader's log lost this producer's batches (UnknownProducerId on the oldest outstanding batch): nothing
        /// is sent until every batch out is answered, then the rest continue under a new producer id.
        /// </summary>
        public bool ResetPending;

        /// <summary>After a batch fails for good its sequence is a gap: continue under a new producer id.</summary>
        public void ResetProducer()
        {
            ResetPending = false;
            ProducerId = NewProducerId();
            NextSequence = 0;
            var pending = Retry.Values.ToList();
            Retry.Clear();
            foreach (var b in pending)
            {
                Retry[NextSequence] = b with { Message = b.Message with { Batch = b.Message.Batch.WithProducer(ProducerId, NextSequence) } };
                NextSequence += b.Records.Count;
            }
        }

        private static long NewProducerId() => Random.Shared.NextInt64(1, long.MaxValue);
    }

    /// <summary>Most records a drain takes before the actor turns to other messages (answers, metadata) again.</summary>
    private const int MaxRecordsPerDrain = 10_000;

    private readonly HashSet<PartitionKey> _touched = new();

    /// <summary>
    /// Takes what callers have handed over, then sends once per partition touched: everything that gathered while
    /// the partition's batch was out goes in the next one.
    /// </summary>
    private void OnDrain()
    {
        _intake.BeginDrain();
        for (var taken = 0; taken < MaxRecordsPerDrain && _intake.TryTake(out var request); taken++)
            if (Dispatch(request, null) is { } key) _touched.Add(key);
        if (!_intake.IsEmpty) Self.Tell(ProduceIntake.Drain.Instance);
        foreach (var key in _touched) TrySend(key);
        _touched.Clear();
    }

    /// <summary>Queues a record on its partition's accumulator; returns that partition, or null when the record is done with or waits.</summary>
    /// <param name="waitingSinceMs">When the record started waiting for its topic to appear in the metadata.</param>
    private PartitionKey? Dispatch(ClientProtocol.ProduceRecord request, long? waitingSinceMs)
    {
        if (!_topics.TryGetValue(request.Topic, out var topic))
        {
            // A topic just created reaches every broker's metadata within moments; only then is it unknown.
            if (waitingSinceMs is { } since && NowMs - since >= UnknownTopicWaitMs)
            {
                request.Delivery.Fail(new ActorLogException(ErrorCode.UnknownTopicOrPartition, $"Unknown topic '{request.Topic}'"));
                return null;
            }
            _waitingForMetadata.Add((request, waitingSinceMs ?? NowMs));
            StartRefresh();
            return null;
        }
        var count = topic.Partitions.Count;
        int partition;
        if (request.Partition is { } explicitPartition)
        {
            if (explicitPartition < 0 || explicitPartition >= count)
            {
                request.Delivery.Fail(new ActorLogException(ErrorCode.UnknownTopicOrPartition,
                    $"Topic '{topic.Name}' has partitions 0..{count - 1}; there is no partition {explicitPartition}"));
                return null;
            }
            partition = explicitPartition;
        }
        else if (request.Record.Key is { } key) partition = KafkaPartitioner.PartitionForKey(key, count);
        else partition = StickyPartition(topic.Name, count);

        var size = request.Record.SizeInBytes;
        if (size > topic.Config.MaxMessageBytes)
        {
            request.Delivery.Fail(new ActorLogException(ErrorCode.RecordTooLarge,
                $"A record of {size} bytes is larger than max.message.bytes = {topic.Config.MaxMessageBytes} of topic {topic.Name}"));
            return null;
        }
        var pk = new PartitionKey(new TopicPartition(topic.Name, partition), request.Acks);
        if (!_accumulators.TryGetValue(pk, out var acc)) _accumulators[pk] = acc = new Accumulator();
        acc.Queue.Enqueue(new Pending(request, size));
        return pk;
    }

    /// <summary>Kafka's sticky partitioner for records without a key: one partition until its batch is sent.</summary>
    private int StickyPartition(string topic, int count)
    {
        if (!_sticky.TryGetValue(topic, out var p) || p >= count) _sticky[topic] = p = Random.Shared.Next(count);
        return p;
    }

    private void TrySend(PartitionKey key)
    {
        if (!_accumulators.TryGetValue(key, out var acc)) return;
        ExpireOverdue(key, acc);
        if (acc.ResetPending)
        {
            if (acc.InFlight > 0) return;
            _log.Info("{0}: the leader's log holds none of producer {1}'s batches (the topic was created again, or an unclean " +
                      "failover); continuing under a new producer id", key.Partition, acc.ProducerId);
            acc.ResetProducer();
        }
        if ((acc.Queue.Count == 0 && acc.Retry.Count == 0) || acc.RetryNotBeforeMs > NowMs) return;
        if (!_topics.TryGetValue(key.Partition.Topic, out var topic) || key.Partition.Partition >= topic.Partitions.Count) return;
        var (leader, epoch) = LeaderOf(key.Partition, topic.Partitions[key.Partition.Partition]);
        if (!_gateways.TryGetValue(leader, out var gateway))
        {
            // No leader, or its broker is not up (leaving, restarting): the controller will elect or it will return.
            acc.BlockedBy = Blocked(key.Partition, topic, leader);
            ResolveAll();
            if (NowMs - _lastRefreshMs >= MetadataRetryMs) StartRefresh();
            return;
        }
        acc.BlockedBy = null;
        var target = LeaderTarget(key.Partition, leader, gateway);
        // Retries first, in sequence order; new batches only once no retry is outstanding.
        while (acc.Retry.Count > 0 && acc.InFlight < _settings.MaxInFlightPerPartition)
        {
            var (sequence, retry) = acc.Retry.First();
            acc.Retry.Remove(sequence);
            acc.RetriesInFlight++;
            Send(key, acc, target, retry with { IsRetry = true, SentTo = (leader, epoch, NowMs) });
        }
        while (acc.Queue.Count > 0 && acc.Retry.Count == 0 && acc.RetriesInFlight == 0 && acc.InFlight < _settings.MaxInFlightPerPartition)
        {
            var maxBytes = Math.Min(_settings.BatchMaxBytes, topic.Config.MaxMessageBytes);
            var records = new List<Pending>(Math.Min(acc.Queue.Count, 4096));
            var bytes = 0;
            while (acc.Queue.TryPeek(out var next) && (records.Count == 0 || bytes + next.Size <= maxBytes))
            {
                records.Add(next);
                bytes += next.Size;
                acc.Queue.Dequeue();
            }
            var batchRecords = new Record[records.Count];
            for (var i = 0; i < batchRecords.Length; i++) batchRecords[i] = records[i].Request.Record;
            if (_sticky.TryGetValue(key.Partition.Topic, out var sticky) && sticky == key.Partition.Partition) _sticky.Remove(key.Partition.Topic);
            // acks=0 gets no answer, so it cannot take part in sequencing.
            var idempotent = key.Acks != Acks.None;
            var batch = new RecordBatch(0, -1, idempotent ? acc.ProducerId : -1, idempotent ? acc.NextSequence : -1, batchRecords);
            var produce = new PartitionProtocol.Produce(key.Partition, (short)key.Acks, (int)_settings.RequestTimeout.TotalMilliseconds, batch);
            if (idempotent) acc.NextSequence += records.Count;
            Send(key, acc, target, new SentBatch(produce, records, false) { SentTo = (leader, epoch, NowMs) });
        }
    }

    private void Send(PartitionKey key, Accumulator acc, IActorRef target, SentBatch batch)
    {
        if (key.Acks == Acks.None)
        {
            target.Tell(batch.Message, ActorRefs.NoSender);
            foreach (var p in batch.Records) p.Request.Delivery.Succeed(new DeliveryResult(key.Partition.Topic, key.Partition.Partition, -1));
            return;
        }
        // Sent with this actor as the sender and a correlation id, not with an Ask: no temporary actor per batch here,
        // and the broker resolves one stable sender path instead of a new temporary one for every answer.
        batch = batch with { Via = target, CorrelationId = ++_lastCorrelationId };
        acc.InFlight++;
        acc.Sent.Add(batch);
        target.Tell(batch.Message with { CorrelationId = batch.CorrelationId }, Self);
    }

    private long _lastCorrelationId;

    /// <summary>Answers come for acks=1 or acks=all batches (acks=0 gets none); a late answer to a resent batch matches nothing.</summary>
    private static readonly Acks[] AnsweredAcks = [Acks.Leader, Acks.All];

    private void OnProduceResult(PartitionProtocol.ProduceResult result)
    {
        foreach (var acks in AnsweredAcks)
        {
            var key = new PartitionKey(result.Partition, acks);
            if (_accumulators.TryGetValue(key, out var acc) && acc.Sent.FirstOrDefault(b => b.CorrelationId == result.CorrelationId) is { } batch)
            {
                OnBatchDone(new BatchDone(key, batch, result, null));
                return;
            }
        }
    }

    /// <summary>Batches unanswered past the request timeout (plus a second for the broker's own timeout answer) fail as an Ask would have.</summary>
    private void ExpireUnanswered()
    {
        var limitMs = (long)(_settings.RequestTimeout + TimeSpan.FromSeconds(1)).TotalMilliseconds;
        var now = NowMs;
        var overdue = _accumulators.SelectMany(a => a.Value.Sent.Where(b => now - b.SentTo.AtMs >= limitMs).Select(b => (a.Key, Batch: b))).ToList();
        foreach (var (key, batch) in overdue)
            OnBatchDone(new BatchDone(key, batch, null, new TimeoutException($"no answer within {limitMs} ms")));
    }

    /// <summary>
    /// The partition's leader: from the metadata, unless a broker's recent answer named a newer one (its hint
    /// outlives a metadata copy that has not caught up yet, but only briefly, in case the topic was recreated).
    /// </summary>
    private (int Leader, int Epoch) LeaderOf(TopicPartition tp, PartitionMetadata p)
    {
        if (_leaderHints.TryGetValue(tp, out var hint))
        {
            if (hint.Epoch > p.LeaderEpoch && NowMs - hint.AtMs < LeaderHintTtlMs) return (hint.Leader, hint.Epoch);
            _leaderHints.Remove(tp);
        }
        return (p.Leader, p.LeaderEpoch);
    }

    private ErrorInfo Blocked(TopicPartition tp, TopicMetadata topic, int leader)
    {
        var p = topic.Partitions[tp.Partition];
        return leader < 0
            ? new ErrorInfo(ErrorCode.LeaderNotAvailable, $"{tp} is offline: no in-sync replica of [{string.Join(",", p.Isr)}] is alive" +
                (topic.Config.UncleanLeaderElection ? "" : " (unclean leader election is off for the topic)"))
            : new ErrorInfo(ErrorCode.LeaderNotAvailable, $"the leader of {tp}, broker {leader}, is not reachable");
    }

    /// <summary>
    /// Batches waiting on a leader that the metadata now says was replaced are sent again to the new one. The
    /// producer id and sequence stay, so a batch the old leader had already replicated is answered with its
    /// original offsets instead of being written twice; a late answer from the old leader is ignored.
    /// </summary>
    private void ResendToNewLeaders()
    {
        foreach (var (key, acc) in _accumulators)
        {
            if (acc.Sent.Count == 0 || !_topics.TryGetValue(key.Partition.Topic, out var topic) || key.Partition.Partition >= topic.Partitions.Count)
                continue;
            var (leader, epoch) = LeaderOf(key.Partition, topic.Partitions[key.Partition.Partition]);
            foreach (var batch in acc.Sent.Where(b => b.SentTo.Broker != leader && epoch > b.SentTo.Epoch).ToList())
                Resend(key, acc, batch, new ErrorInfo(ErrorCode.NotLeaderOrFollower,
                    $"leadership of {key.Partition} moved from broker {batch.SentTo.Broker} to {leader} (epoch {epoch})"));
        }
    }

    /// <summary>
    /// The connection to a broker dropped (its process died, or the network failed): whatever was sent there
    /// will not be answered by that incarnation. Send it again (to whichever broker leads then; possibly the same
    /// one restarted, which may come back still leading at the same epoch), as Kafka's producer does when a
    /// connection closes, instead of waiting out the request timeout. Same producer id and sequence: no duplicates.
    /// </summary>
    private void OnConnectionLost(Address address)
    {
        var brokers = _metadata.Brokers.Where(b => b.Host == address.Host && b.Port == address.Port).Select(b => b.Id).ToHashSet();
        if (brokers.Count == 0) return;
        foreach (var id in brokers) _gateways.Remove(id);
        ResendWhere(b => brokers.Contains(b.SentTo.Broker),
            (_, b) => new ErrorInfo(ErrorCode.BrokerNotAvailable, $"the connection to broker {b.SentTo.Broker} was lost"));
        StartRefresh();
    }

    /// <summary>Resends every sent batch that matches (its answer will not come); returns the partitions touched.</summary>
    private List<PartitionKey> ResendWhere(Func<SentBatch, bool> lost, Func<PartitionKey, SentBatch, ErrorInfo> why)
    {
        var touched = new List<PartitionKey>();
        foreach (var (key, acc) in _accumulators)
            foreach (var batch in acc.Sent.Where(lost).ToList())
            {
                Resend(key, acc, batch, why(key, batch));
                if (!touched.Contains(key)) touched.Add(key);
            }
        return touched;
    }

    /// <summary>Stops waiting for a sent batch's answer (a late one is ignored) and queues it to be sent again first.</summary>
    private void Resend(PartitionKey key, Accumulator acc, SentBatch batch, ErrorInfo why)
    {
        acc.Sent.Remove(batch);
        acc.InFlight--;
        if (batch.IsRetry) acc.RetriesInFlight--;
        acc.Retry[batch.Message.Batch.BaseSequence] = batch with { LastError = why };
        acc.RetryNotBeforeMs = 0;
        _log.Debug("{0}: resending {1} record(s): {2}", key.Partition, batch.Records.Count, why);
    }

    private void OnBatchDone(BatchDone done)
    {
        if (!_accumulators.TryGetValue(done.Key, out var acc) || !acc.Sent.Remove(done.Batch))
            return; // sent before a restart: its records were failed then
        acc.InFlight--;
        if (done.Batch.IsRetry) acc.RetriesInFlight--;
        var tp = done.Key.Partition;
        var records = done.Batch.Records;
        if (done.Result is { Error: null } ok)
        {
            for (var i = 0; i < records.Count; i++)
                records[i].Request.Delivery.Succeed(new DeliveryResult(tp.Topic, tp.Partition, ok.BaseOffset + i));
        }
        else
        {
            var error = done.Result?.Error ?? new ErrorInfo(ErrorCode.RequestTimedOut, $"No answer from the leader of {tp}: {done.Failure?.Message}");
            // KIP-951: a broker that is not the leader names the one it knows; go there without a metadata round trip.
            if (done.Result is { LeaderHint: >= 0 } hinted && hinted.LeaderEpochHint > done.Batch.SentTo.Epoch)
                _leaderHints[tp] = (hinted.LeaderHint, hinted.LeaderEpochHint, NowMs);
            var expired = records.Min(r => r.Request.DeadlineMs) <= NowMs;
            if (error.Code.IsRetriable() && !expired)
            {
                var sequence = done.Batch.Message.Batch.BaseSequence;
                // Only when every earlier batch was acknowledged: one still out may yet land, and a new producer
                // id would then write this batch a second time.
                if (error.Code == ErrorCode.UnknownProducerId && sequence >= 0 && acc.Sent.All(b => b.Message.Batch.BaseSequence > sequence)
                    && acc.Retry.Keys.All(k => k > sequence))
                    acc.ResetPending = true;
                acc.Retry[sequence < 0 ? -1 - acc.Retry.Count : sequence] = done.Batch with { LastError = error };
                acc.RetryNotBeforeMs = NowMs + (error.Code is ErrorCode.OutOfOrderSequenceNumber or ErrorCode.UnknownProducerId ? 0 : 100);
                if (error.Code is not (ErrorCode.NotEnoughReplicas or ErrorCode.NotEnoughReplicasAfterAppend or ErrorCode.OutOfOrderSequenceNumber
                        or ErrorCode.UnknownProducerId))
                    StartRefresh();
                _log.Debug("{0}: retrying {1} record(s) after {2}", tp, records.Count, error);
            }
            else
            {
                if (expired && error.Code.IsRetriable())
                    error = new ErrorInfo(ErrorCode.RequestTimedOut, $"{tp}: not acknowledged within the delivery timeout (last error {error})");
                foreach (var p in records) p.Request.Delivery.Fail(new ActorLogException(error));
                if (done.Batch.Message.Batch.BaseSequence >= 0) acc.ResetProducer();
            }
        }
        TrySend(done.Key);
    }

    /// <summary>Fails records past their delivery timeout: unsent ones, and retries that could not be sent in time.</summary>
    private static void ExpireOverdue(PartitionKey key, Accumulator acc)
    {
        // Called for every record sent: the common case (nothing overdue) must not allocate.
        var now = NowMs;
        ActorLogException? timedOut = null;
        ActorLogException TimedOut() => timedOut ??= new ActorLogException(ErrorCode.RequestTimedOut,
            $"{key.Partition}: the record was not acknowledged within the delivery timeout" + (acc.BlockedBy is null ? "" : $"; {acc.BlockedBy.Message}"));
        while (acc.Queue.TryPeek(out var head) && head.Request.DeadlineMs <= now)
        {
            acc.Queue.Dequeue();
            head.Request.Delivery.Fail(TimedOut());
        }
        if (acc.Retry.Count == 0) return;
        var expired = acc.Retry.Where(r => r.Value.Records.Min(p => p.Request.DeadlineMs) <= now).ToList();
        if (expired.Count == 0) return;
        foreach (var (sequence, batch) in expired)
        {
            acc.Retry.Remove(sequence);
            var error = batch.LastError is null ? TimedOut()
                : new ActorLogException(ErrorCode.RequestTimedOut, $"{key.Partition}: not acknowledged within the delivery timeout; last error {batch.LastError}");
            foreach (var p in batch.Records) p.Request.Delivery.Fail(error);
        }
        // Their sequence numbers are gaps now: later batches continue under a new producer id.
        acc.ResetProducer();
    }
}
