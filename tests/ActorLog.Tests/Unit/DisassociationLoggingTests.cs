using Akka.Event;
using ActorLog.Hosting;
using Xunit;

namespace ActorLog.Tests.Unit;

/// <summary>Akka.Remote's "Disassociated" ERROR, logged when a peer's process stops: the client prints nothing, a broker INFO.</summary>
public class DisassociationLoggingTests
{
    private const string Source = "akka://actorlog-client/system/endpointManager/reliableEndpointWriter-x/endpointWriter";

    private static Error Disassociated()
    {
        // Akka.Remote's own exception, as its endpoint writer fails with it when a broker's process dies.
        var type = Type.GetType("Akka.Remote.EndpointDisassociatedException, Akka.Remote", throwOnError: true)!;
        return new Error((Exception)Activator.CreateInstance(type, "Disassociated")!, Source, typeof(DisassociationLoggingTests), "Disassociated");
    }

    [Fact]
    public void A_broker_connection_that_dropped_is_not_printed_by_the_client() =>
        Assert.True(RemotingLogEvents.IsDisassociation(Disassociated()));

    [Fact]
    public void A_broker_logs_a_dropped_connection_as_info_from_the_same_source()
    {
        var logged = Assert.IsType<Info>(BrokerLogger.AsLogged(Disassociated()));
        Assert.Equal(Source, logged.LogSource);
        Assert.Contains("Disassociated", logged.Message.ToString());
    }

    [Fact]
    public void Other_remoting_errors_are_printed_as_they_are()
    {
        var others = new LogEvent[]
        {
            new Error(new InvalidOperationException("Serializer not defined"), Source, typeof(DisassociationLoggingTests), "Serializer not defined"),
            new Error(null, Source, typeof(DisassociationLoggingTests), "Disassociated"),
            new Warning(Source, typeof(DisassociationLoggingTests), "Association failed"),
        };
        foreach (var e in others)
        {
            Assert.False(RemotingLogEvents.IsDisassociation(e));
            Assert.Same(e, BrokerLogger.AsLogged(e));
        }
    }
}
