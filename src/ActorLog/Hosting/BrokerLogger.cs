using Akka.Event;

namespace ActorLog.Hosting;

/// <summary>
/// Akka's default logger (standard output, Akka's format), except that a dropped connection is INFO, not ERROR.
/// Akka.Remote's endpoint writer reports every peer whose process stops, a killed broker or a client that exited
/// without closing, as an ERROR "Disassociated"; what that means for the cluster is logged anyway (the crash
/// detector, the failure detector, members marked Down), so these lines only made a broker's log look broken
/// after any restart.
/// </summary>
public sealed class BrokerLogger : DefaultLogger
{
    protected override void Print(LogEvent logEvent) => base.Print(AsLogged(logEvent));

    /// <summary>The event as this logger prints it.</summary>
    public static LogEvent AsLogged(LogEvent logEvent) =>
        RemotingLogEvents.IsDisassociation(logEvent)
            ? new Info(logEvent.LogSource, logEvent.LogClass, "Disassociated: the remote system's connection dropped")
            : logEvent;
}

/// <summary>Akka.Remote's own log events that ActorLog's loggers treat differently.</summary>
public static class RemotingLogEvents
{
    /// <summary>
    /// The ERROR an endpoint writer logs when its connection drops (the remote process died or stopped). The
    /// exception type is internal to Akka.Remote, hence the name.
    /// </summary>
    public static bool IsDisassociation(LogEvent e) =>
        e is Error { Cause: { } cause } && cause.GetType().FullName == "Akka.Remote.EndpointDisassociatedException";
}
