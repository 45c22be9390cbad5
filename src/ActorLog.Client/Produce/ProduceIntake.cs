using System.Collections.Concurrent;
using Akka.Actor;
using ActorLog.Common;

namespace ActorLog.Client.Produce;

/// <summary>
/// Records on their way from callers' threads to the client actor. A message per record made the actor's mailbox
/// the client's hot path (an enqueue, a wake-up and a dispatch for every record); instead callers append here and
/// the actor is told only when the intake goes from empty to signalled, then takes all that has gathered at once.
/// </summary>
internal sealed class ProduceIntake
{
    /// <summary>Tells the client actor that records are waiting.</summary>
    public sealed record Drain
    {
        public static readonly Drain Instance = new();
    }

    private readonly ConcurrentQueue<ClientProtocol.ProduceRecord> _queue = new();
    private int _signalled;
    private volatile bool _closed;

    public void Add(ClientProtocol.ProduceRecord record, IActorRef actor)
    {
        _queue.Enqueue(record);
        if (_closed)
        {
            FailAll(ClientClosed());
            return;
        }
        if (Interlocked.Exchange(ref _signalled, 1) == 0) actor.Tell(Drain.Instance);
    }

    /// <summary>
    /// The actor starts taking: the signal is cleared first (a full fence, so no caller can see it still set
    /// after the actor has found the queue empty), and a record added from now on signals again.
    /// </summary>
    public void BeginDrain() => Interlocked.Exchange(ref _signalled, 0);

    public bool TryTake(out ClientProtocol.ProduceRecord record) => _queue.TryDequeue(out record!);

    public bool IsEmpty => _queue.IsEmpty;

    /// <summary>The client actor stopped: what waits fails, and so does anything added later.</summary>
    public void Close()
    {
        _closed = true;
        FailAll(ClientClosed());
    }

    private void FailAll(ActorLogException error)
    {
        while (_queue.TryDequeue(out var record)) record.Delivery.Fail(error);
    }

    /// <summary>What a record the client can no longer deliver fails with (also those the client actor held).</summary>
    public static ActorLogException ClientClosed() =>
        new(ErrorCode.BrokerNotAvailable, "The client was closed before the record was acknowledged");
}
