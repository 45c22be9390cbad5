using Akka.Event;
using ActorLog.Client;
using Xunit;

namespace ActorLog.Tests.Client;

public class StdErrLoggerTests
{
    private const string Source = "akka://actorlog-client/system/endpointManager/reliableEndpointWriter-x/endpointWriter";

    [Fact]
    public void A_broker_connection_that_dropped_is_not_printed()
    {
        // Akka.Remote's own exception, as its endpoint writer fails with it when a broker's process dies.
        var type = Type.GetType("Akka.Remote.EndpointDisassociatedException, Akka.Remote", throwOnError: true)!;
        var cause = (Exception)Activator.CreateInstance(type, "Disassociated")!;

        Assert.True(StdErrLogger.IsHandledConnectionLoss(new Error(cause, Source, typeof(StdErrLoggerTests), "Disassociated")));
    }

    [Fact]
    public void Other_remoting_errors_are_printed()
    {
        Assert.False(StdErrLogger.IsHandledConnectionLoss(
            new Error(new InvalidOperationException("Serializer not defined"), Source, typeof(StdErrLoggerTests), "Serializer not defined")));
        Assert.False(StdErrLogger.IsHandledConnectionLoss(new Error(null, Source, typeof(StdErrLoggerTests), "Disassociated")));
        Assert.False(StdErrLogger.IsHandledConnectionLoss(new Warning(Source, typeof(StdErrLoggerTests), "Association failed")));
    }
}
