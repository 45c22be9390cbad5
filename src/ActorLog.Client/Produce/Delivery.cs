using Akka.Event;
using ActorLog.Common;

namespace ActorLog.Client.Produce;

/// <summary>Where the client actor reports a record's fate: exactly one of the two, once.</summary>
internal interface IDelivery
{
    void Succeed(DeliveryResult result);

    void Fail(ActorLogException error);
}

/// <summary>
/// ProduceAsync's task. Continuations run asynchronously so a caller's code never runs on the client actor's thread.
/// </summary>
internal sealed class TaskDelivery() : TaskCompletionSource<DeliveryResult>(TaskCreationOptions.RunContinuationsAsynchronously), IDelivery
{
    public void Succeed(DeliveryResult result) => TrySetResult(result);

    public void Fail(ActorLogException error) => TrySetException(error);
}

/// <summary>
/// Produce's handler, called on the client actor's thread (no task and no thread hand-off per record). A handler
/// that throws is logged, not allowed to take the client down with every other record in flight.
/// </summary>
internal sealed class CallbackDelivery(string topic, Action<DeliveryReport> handler, ILoggingAdapter log) : IDelivery
{
    public void Succeed(DeliveryResult result) => Call(new DeliveryReport(result.Topic, result.Partition, result.Offset, null));

    public void Fail(ActorLogException error) => Call(new DeliveryReport(topic, -1, -1, error));

    private void Call(DeliveryReport report)
    {
        try
        {
            handler(report);
        }
        catch (Exception e)
        {
            log.Error(e, "A delivery handler of topic {0} threw; the client carries on", topic);
        }
    }
}
